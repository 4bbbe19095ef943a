/**
 * @module A node's place in a long list (a card, a table row) that is drawn whole only while it is on or
 * near the screen, and cheaply elsewhere, so a big fleet's first render and live updates cost what is seen.
 * The cheap form is one element from Preact, its inside built with DOM calls (farInside). One
 * IntersectionObserver follows every slot; a slot first mounts whole when its place in the list falls
 * within the first screen of a page shown from the top, so the first screenful is drawn once, and whole.
 * Slots just off the screen are drawn ahead only once the page scrolls: a visitor who does not scroll
 * never pays for them, one who does finds them drawn before they come into view.
 */
import { Component } from 'preact';
import type { ComponentChildren, VNode } from 'preact';

/** How far above and below the screen slots are drawn whole once the page has scrolled, in screen heights. */
export const NEAR = 0.5;

export interface SlotProps {
  /** The slot's place in the list: when it moves (sorting, filtering), whether it is near is checked again. */
  index: number;
}

const slots = new Map<Element, NearSlot<SlotProps>>();
let observer: IntersectionObserver | null = null;
/** Screen heights drawn ahead: none until the page first scrolls (or is shown scrolled), then NEAR. */
let ahead = scrollY === 0 ? 0 : NEAR;

function watcher(): IntersectionObserver {
  observer ??= new IntersectionObserver((entries) => entries.forEach((e) => slots.get(e.target)?.setNear(e.isIntersecting)), {
    rootMargin: `${ahead * 100}% 0px`,
  });
  return observer;
}

/** From the first scroll on, slots are drawn NEAR screens ahead: the observer is made again with that margin. */
function lookAhead(): void {
  if (ahead === NEAR) return;
  ahead = NEAR;
  observer?.disconnect();
  observer = null;
  for (const element of slots.keys()) watcher().observe(element);
}

/**
 * Where the page is and how big the screen is: read when this module loads, before the page has content,
 * then kept by scroll and resize events. Read during a render instead, `scrollY` makes the browser lay out
 * what the render changed so far (15 ms of a 200-node table's first render on a slow 2-core machine).
 */
const screen = { atTop: scrollY === 0, width: innerWidth, height: innerHeight };
addEventListener(
  'scroll',
  () => {
    screen.atTop = scrollY === 0;
    lookAhead();
  },
  { passive: true },
);
addEventListener('resize', () => {
  screen.width = innerWidth;
  screen.height = innerHeight;
});

export function screenNow(): Readonly<typeof screen> {
  return screen;
}

export abstract class NearSlot<P extends SlotProps> extends Component<P, { near: boolean }> {
  private watched: Element | null = null;
  /** The cheap form as last drawn, and what it showed: drawn again only when that changes. */
  private far: { key: string; vnode: VNode } | null = null;
  /** The element the cheap form's inside was built in, and for which key. */
  private filled: { element: Element; key: string } | null = null;
  /** Whether the first answer was a guess from the slot's place: the observer's answer follows. */
  private guessed: boolean;

  constructor(props: P) {
    super(props);
    // At the top of the page, the first screens hold the first slots: no layout is read to know it.
    this.guessed = screenNow().atTop;
    this.state = { near: this.guessed && props.index < this.firstScreen() };
  }

  /** How many slots fit, at the most, in the first screen of the page (from the layout's CSS). */
  protected abstract firstScreen(): number;
  protected abstract renderNear(props: P): ComponentChildren;
  /** The cheap form's element, without children: `farInside` builds those (DOM calls, not vnodes: cheaper by far). */
  protected abstract renderFar(props: P): VNode;
  protected abstract farInside(props: P): Node;
  /** Everything the cheap form shows (signals it reads included): equal keys, equal forms. */
  protected abstract farKey(props: P): string;

  /**
   * A cheap form that would show the same, at the same place, is not drawn again: 180 of a 200-node
   * fleet's slots skip each second's update here (Preact's own check redraws any component with state).
   */
  override shouldComponentUpdate(next: P, state: { near: boolean }): boolean {
    return state.near || this.state.near || next.index !== this.props.index || this.far?.key !== this.farKey(next);
  }

  override render(props: P, { near }: { near: boolean }): ComponentChildren {
    if (near) return this.renderNear(props);
    const key = this.farKey(props);
    // The same vnode again: Preact skips it without comparing (200 far slots redraw every second otherwise).
    if (this.far?.key !== key) this.far = { key, vnode: this.renderFar(props) };
    return this.far.vnode;
  }

  override componentDidMount(): void {
    this.fill();
    this.watch();
    if (!this.guessed) this.check();
  }

  override componentDidUpdate(previous: P): void {
    this.fill();
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

  /** Builds the cheap form's inside when its element or what it shows changed (Preact leaves children it did not make alone). */
  private fill(): void {
    const element = this.base as Element | undefined;
    if (this.state.near || !element || !this.far) return;
    if (this.filled?.element === element && this.filled.key === this.far.key) return;
    element.replaceChildren(this.farInside(this.props));
    this.filled = { element, key: this.far.key };
  }

  /** The cheap and the whole form are different elements: the observer follows the one shown. */
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
   * cheap slots where whole ones belong. Slots that move move together, so only the first read lays out.
   */
  private check(): void {
    const box = (this.base as Element).getBoundingClientRect();
    this.setNear(box.bottom > -ahead * innerHeight && box.top < (1 + ahead) * innerHeight);
  }
}
