/**
 * @module Where the page is: the overview (`#/`) or one node (`#/node/<id>`), and whether it is
 * embedded (`?embed=1`: no header or footer, compact cards, for iframes).
 */
import { signal } from '@preact/signals';

export type Route = { page: 'overview' } | { page: 'node'; id: number };

export function parseRoute(hash: string): Route {
  const match = /^#\/node\/(\d{1,12})$/.exec(hash);
  return match ? { page: 'node', id: Number(match[1]) } : { page: 'overview' };
}

export const route = signal<Route>(parseRoute(location.hash));
export const embedded = new URLSearchParams(location.search).get('embed') === '1';

addEventListener('hashchange', () => {
  route.value = parseRoute(location.hash);
  scrollTo(0, 0);
});
