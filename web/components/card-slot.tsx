/**
 * @module A node's place in the card grid: the whole card while it is on or near the screen, else only
 * its head (flag, name, status), so a big fleet's first render and live updates cost what is seen.
 */
import type { NodeView } from '../../src/protocol/messages';
import { t } from '../state/lang';
import { NearSlot, screenNow } from './near-slot';
import type { SlotProps } from './near-slot';
import { NodeCard } from './node-card';
import { cardHead } from './head-dom';
import { headKey } from './node-status';

interface Props extends SlotProps {
  node: NodeView;
  compact: boolean;
}

/** The grid's CSS (styles.css): cards at least 290 px wide (220 compact) and about 250 px tall, 12 px apart (8), main's 20 px padding. */
function cardsInFirstScreen(compact: boolean): number {
  const [width, height, gap] = compact ? [220, 150, 8] : [290, 250, 12];
  const screen = screenNow();
  const columns = Math.max(1, Math.floor((screen.width - 40 + gap) / (width + gap)));
  return columns * Math.ceil(screen.height / (height + gap));
}

/**
 * Off screen: the card's head only, built inside it by `cardHead` (head-dom.ts), in a card as tall as a
 * whole one (`.card.far` in styles.css), so cards turning whole as they come near do not move the page.
 */
function CardShell({ node }: { node: NodeView }) {
  return (
    <article
      class={`card far ${node.online ? 'online' : 'offline'}`}
      data-node={node.name}
      aria-label={`${node.name}, ${node.online ? t('online') : t('offline')}`}
    />
  );
}

export class CardSlot extends NearSlot<Props> {
  protected firstScreen(): number {
    return cardsInFirstScreen(this.props.compact);
  }

  protected renderNear({ node, compact }: Props) {
    return <NodeCard node={node} compact={compact} />;
  }

  protected renderFar({ node }: Props) {
    return CardShell({ node });
  }

  protected farInside({ node }: Props): Node {
    return cardHead(node);
  }

  protected farKey({ node }: Props): string {
    return headKey(node);
  }
}
