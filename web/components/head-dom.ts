/**
 * @module The inside of far slots (near-slot.ts) built with DOM calls: a card's head, a table row's name
 * and status; the same markup as Flag, StatusText and the card's and row's JSX. About ten elements a
 * slot that Preact would otherwise create and diff one by one: most of a 200-node first render.
 */
import type { NodeView } from '../../src/protocol/messages';
import { flagEmoji } from '../lib/format';
import { emojiFlags } from '../state/flags';
import { t } from '../state/lang';
import { statusText } from './node-status';

function el(tag: string, attrs: Record<string, string>, ...children: (Node | string)[]): HTMLElement {
  const element = document.createElement(tag);
  for (const name in attrs) element.setAttribute(name, attrs[name]!);
  element.append(...children);
  return element;
}

/** Flag() as elements: none where the location is no country code. */
function flag(code: string): Node[] {
  const emoji = flagEmoji(code);
  if (!emoji) return [];
  return [
    emojiFlags.value
      ? el('span', { class: 'flag', role: 'img', 'aria-label': code, title: code }, emoji)
      : el('abbr', { class: 'flag-code', title: code }, code.toUpperCase()),
  ];
}

/** StatusText() as an element. */
function status(node: NodeView): HTMLElement {
  const dot = el('span', { class: `dot ${node.online ? 'up' : 'down'}`, 'aria-hidden': 'true' });
  return el('span', { class: 'status', 'data-status': node.online ? 'online' : 'offline' }, dot, statusText(node));
}

/** A card's head: flag, name (a link to the node's page), status. */
export function cardHead(node: NodeView): HTMLElement {
  const link = el('a', { href: `#/node/${node.id}`, 'aria-label': t('details', { name: node.name }) }, node.name);
  return el('header', { class: 'card-head' }, ...flag(node.location), el('h3', { class: 'node-name' }, link), status(node));
}

/** A far table row's cells: flag and name, status, then an empty cell of two lines (as tall as a whole row). */
export function farRowCells(node: NodeView): HTMLElement[] {
  const name = el('th', { scope: 'row' }, ...flag(node.location), ' ', el('a', { href: `#/node/${node.id}` }, node.name));
  return [name, el('td', {}, status(node)), el('td', { colspan: '7' }, '\u00a0', el('br', {}), '\u00a0')];
}
