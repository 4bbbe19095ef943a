/**
 * @module A node's place in the card grid: the whole card while it is on or near the screen, else only
 * its head (flag, name, status), so a big fleet's first render and live updates cost what is seen.
 */
import { Component } from 'preact';
import type { NodeView } from '../../src/protocol/messages';
import { t } from '../state/lang';
import { NodeCard } from './node-card';
import { Flag, StatusText } from './node-status';

/** How far above and below the screen cards are drawn whole, in screen heights (scrolling reaches them drawn). */
const NEAR = 0.5;

interface Props {
  node: NodeView;
  /** The card's place on the page: when it moves (sorting, filtering), whether it is near is checked again. */
  index: number;
  compact: boolean;
}

const slots = new Map<Element, CardSlot>();
let observer: IntersectionObserver | null = null;

function watcher(): IntersectionObserver {
  observer ??= new IntersectionObserver((entries) => entries.forEach((e) => slots.get(e.target)?.setNear(e.isIntersecting)), {
    rootMargin: `${NEAR * 100}% 0px`,
  });
  return observer;
}

/**
 * Off screen: the card's head only (flag and status called, not mounted: one component, not three).
 * Cards keep `content-visibility: auto`, so its height does not show.
 */
function CardHead({ node }: { node: NodeView }) {
  return (
    <article
      class={`card ${node.online ? 'online' : 'offline'}`}
      data-node={node.name}
      aria-label={`${node.name}, ${node.online ? t('online') : t('offline')}`}
    >
      <header class="card-head">
        {Flag({ code: node.location })}
        <h3 class="node-name">
          <a href={`#/node/${node.id}`} aria-label={t('details', { name: node.name })}>
            {node.name}
          </a>
        </h3>
        {StatusText({ node })}
      </header>
    </article>
  );
}

export class CardSlot extends Component<Props, { near: boolean }> {
  override state = { near: false };
  private watched: Element | null = null;

  override componentDidMount(): void {
    this.watch();
    this.check();
  }

  override componentDidUpdate(previous: Props): void {
    this.watch();
    if (previous.index !== this.props.index) this.check();
  }

  override componentWillUnmount(): void {
    if (!this.watched) return;
    slots.delete(this.watched);
    watcher().unobserve(this.watched);
  }

  setNear(near: boolean): void {
    if (near !== this.state.near) this.setState({ near });
  }

  /** The head and the whole card are different elements: the observer follows the one shown. */
  private watch(): void {
    const element = this.base as Element | undefined;
    if (!element || element === this.watched) return;
    this.componentWillUnmount();
    this.watched = element;
    slots.set(element, this);
    watcher().observe(element);
  }

  /**
   * The observer's first answer comes after a paint; this answers before it, so the screen never shows
   * heads where cards belong. All slots mount (or move) together, so only the first read lays out.
   */
  private check(): void {
    const box = (this.base as Element).getBoundingClientRect();
    this.setNear(box.bottom > -NEAR * innerHeight && box.top < (1 + NEAR) * innerHeight);
  }

  override render({ node, compact }: Props, { near }: { near: boolean }) {
    return near ? <NodeCard node={node} compact={compact} /> : <CardHead node={node} />;
  }
}
