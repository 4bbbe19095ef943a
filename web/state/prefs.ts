/**
 * @module The viewer's choices, remembered in localStorage: theme, language, cards or table,
 * sort order, filter. Applying the theme and language to <html> happens here too.
 */
import { computed, effect, signal } from '@preact/signals';
import type { Lang } from '../lib/i18n';
import { LANGUAGES, detectLang } from '../lib/i18n';
import { lang } from './lang';
import type { SortKey } from '../lib/nodes';

export type Theme = 'auto' | 'light' | 'dark';
export type Layout = 'cards' | 'table';
export type { SortKey };

const KEY = 'probe.prefs';

interface Saved {
  theme?: Theme;
  lang?: Lang;
  layout?: Layout;
  sort?: SortKey;
  desc?: boolean;
}

function readSaved(): Saved {
  try {
    const value = JSON.parse(localStorage.getItem(KEY) ?? '{}') as unknown;
    return typeof value === 'object' && value !== null ? (value as Saved) : {};
  } catch {
    return {};
  }
}

const saved = readSaved();
const pick = <T extends string>(value: T | undefined, allowed: readonly T[], fallback: T): T =>
  value !== undefined && allowed.includes(value) ? value : fallback;

export const theme = signal<Theme>(pick(saved.theme, ['auto', 'light', 'dark'], 'auto'));
export const layout = signal<Layout>(pick(saved.layout, ['cards', 'table'], 'cards'));
export const sortKey = signal<SortKey>(pick(saved.sort, ['order', 'name', 'cpu', 'mem', 'disk', 'net', 'uptime', 'traffic'], 'order'));
export const sortDesc = signal(saved.desc === true);
export const filter = signal('');
/** The system's colour scheme, followed while the theme is "auto". */
const darkQuery = matchMedia('(prefers-color-scheme: dark)');
export const systemDark = signal(darkQuery.matches);
darkQuery.addEventListener('change', (e) => (systemDark.value = e.matches));
/** The scheme actually shown. */
export const shownTheme = computed(() => (theme.value === 'auto' ? (systemDark.value ? 'dark' : 'light') : theme.value));
lang.value = saved.lang && saved.lang in LANGUAGES ? saved.lang : detectLang(navigator.languages ?? [navigator.language]);
/** Whether the person picked the language (else it keeps following the browser). */
let langChosen = saved.lang !== undefined;

export function setLang(value: Lang): void {
  langChosen = true;
  lang.value = value;
}

/** Clicking the active sort key flips the direction. */
export function sortBy(key: SortKey): void {
  if (sortKey.value === key) sortDesc.value = !sortDesc.value;
  else {
    sortKey.value = key;
    sortDesc.value = key !== 'name' && key !== 'order';
  }
}

effect(() => {
  const root = document.documentElement;
  root.dataset.theme = theme.value;
  root.lang = lang.value;
  const value: Saved = { theme: theme.value, layout: layout.value, sort: sortKey.value, desc: sortDesc.value };
  if (langChosen) value.lang = lang.value;
  try {
    localStorage.setItem(KEY, JSON.stringify(value));
  } catch {
    // Private mode or storage full: the choice lasts for this visit only.
  }
});
