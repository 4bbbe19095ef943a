/**
 * @module The inside of far slots (near-slot.ts) built with DOM calls: a card's head, a table row's name
 * and status; the same markup as Flag, StatusText and the card's and row's JSX. Each is a clone of a
 * template made once (one native call for its seven elements), then filled in: 180 far slots of a
 * 200-node first render cost 12 ms with an element made at a time on a slow 2-core machine.
 * Text goes in as text (textContent, attributes), never as markup.
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

/** Flag() as an element to fill: an emoji where the browser draws flags, else the letters in a badge. */
function flagShell(emoji: boolean): HTMLElement {
  return emoji ? el('span', { class: 'flag', role: 'img' }) : el('abbr', { class: 'flag-code' });
}

/** StatusText() as an element to fill: the dot, then the words. */
function statusShell(): HTMLElement {
  return el('span', { class: 'status' }, el('span', { 'aria-hidden': 'true' }), '');
}

/** Templates by whether flags are emoji (a page switches at most once, when it has measured). */
const templates = new Map<boolean, { head: HTMLElement; row: DocumentFragment }>();

function template(emoji: boolean): { head: HTMLElement; row: DocumentFragment } {
  let made = templates.get(emoji);
  if (!made) {
    const head = el('header', { class: 'card-head' }, flagShell(emoji), el('h3', { class: 'node-name' }, el('a', {})), statusShell());
    const row = document.createDocumentFragment();
    const twoLines = el('td', { colspan: '7' }, '\u00a0', el('br', {}), '\u00a0');
    row.append(el('th', { scope: 'row' }, flagShell(emoji), ' ', el('a', {})), el('td', {}, statusShell()), twoLines);
    made = { head, row };
    templates.set(emoji, made);
  }
  return made;
}

/** Fills a cloned flag, or takes it out where the location is no country code. */
function fillFlag(flag: Element, code: string): void {
  const emoji = flagEmoji(code);
  if (!emoji) {
    flag.remove();
    return;
  }
  flag.setAttribute('title', code);
  if (flag.localName === 'span') {
    flag.setAttribute('aria-label', code);
    flag.textContent = emoji;
  } else flag.textContent = code.toUpperCase();
}

function fillStatus(status: Element, node: NodeView): void {
  status.setAttribute('data-status', node.online ? 'online' : 'offline');
  status.firstElementChild!.className = `dot ${node.online ? 'up' : 'down'}`;
  (status.lastChild as Text).data = statusText(node);
}

function fillLink(link: Element, node: NodeView): void {
  link.setAttribute('href', `#/node/${node.id}`);
  link.textContent = node.name;
}

/** A card's head: flag, name (a link to the node's page), status. */
export function cardHead(node: NodeView): HTMLElement {
  const head = template(emojiFlags.value).head.cloneNode(true) as HTMLElement;
  const [flag, title, status] = head.children as unknown as [Element, Element, Element];
  const link = title.firstElementChild!;
  fillLink(link, node);
  link.setAttribute('aria-label', t('details', { name: node.name }));
  fillStatus(status, node);
  fillFlag(flag, node.location);
  return head;
}

/** A far table row's cells: flag and name, status, then an empty cell of two lines (as tall as a whole row). */
export function farRowCells(node: NodeView): DocumentFragment {
  const cells = template(emojiFlags.value).row.cloneNode(true) as DocumentFragment;
  const [name, state] = cells.children as unknown as [Element, Element];
  fillLink(name.lastElementChild!, node);
  fillStatus(state.firstElementChild!, node);
  fillFlag(name.firstElementChild!, node.location);
  return cells;
}
