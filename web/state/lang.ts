/**
 * @module The language the page shows (set by state/prefs.ts from the browser or the person's
 * choice), and `t()`, which components call so they redraw when it changes.
 */
import { signal } from '@preact/signals';
import type { Lang, StringKey } from '../lib/i18n';
import { translate } from '../lib/i18n';

export const lang = signal<Lang>('en');

/** The string `key` in the current language with `{name}` placeholders filled. */
export function t(key: StringKey, params?: Record<string, string | number>): string {
  return translate(lang.value, key, params);
}
