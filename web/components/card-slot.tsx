/**
 * @module A node's place in the card grid: the whole card while it is on or near the screen, else only
 * its head (flag, name, status), so a big fleet's first render and live updates cost what is seen.
 */
import type { NodeView } from '../../src/protocol/messages';
import { t } from '../state/lang';
import { NEAR, NearSlot, screenNow } from './near-slot';
import type { SlotProps } from './near-slot';
import { NodeCard } from './node-card';
import { Flag, StatusText, headKey } from './node-status';

interface Props extends SlotProps {
  node: NodeView;
  compact: boolean;
}

/** The grid's CSS (styles.css): cards at least 290 px wide (220 compact) and about 250 px tall, 12 px apart (8), main's 20 px padding. */
function cardsInFirstScreens(compact: boolean): number {
  const [width, height, gap] = compact ? [220, 150, 8] : [290, 250, 12];
  const screen = screenNow();
  const columns = Math.max(1, Math.floor((screen.width - 40 + gap) / (width + gap)));
  return columns * Math.ceil(((1 + NEAR) * screen.height) / (height + gap));
}

/**
 * Off screen: the card's head only (flag and status called, not mounted: no component of its own).
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

export class CardSlot extends NearSlot<Props> {
  protected firstScreens(): number {
    return cardsInFirstScreens(this.props.compact);
  }

  protected renderNear({ node, compact }: Props) {
    return <NodeCard node={node} compact={compact} />;
  }

  protected renderFar({ node }: Props) {
    return CardHead({ node });
  }

  protected farKey({ node }: Props): string {
    return headKey(node);
  }
}
