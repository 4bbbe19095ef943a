/**
 * @module The page's languages (strings per language in strings/), the browser's preferred one,
 * and `translate()` to read a string. Pure: the chosen language lives in state/lang.ts.
 */
import type { StringKey } from './strings/en';
import { en } from './strings/en';
import { zhCN } from './strings/zh-cn';

export type { StringKey };

export const LANGUAGES = { en: 'English', 'zh-CN': '简体中文' } as const;
export type Lang = keyof typeof LANGUAGES;

const TABLES: Record<Lang, Record<StringKey, string>> = { en, 'zh-CN': zhCN };

/** The browser's preferred language among ours. */
export function detectLang(preferred: readonly string[]): Lang {
  for (const tag of preferred) {
    if (/^zh\b/i.test(tag)) return 'zh-CN';
    if (/^en\b/i.test(tag)) return 'en';
  }
  return 'en';
}

/** The string `key` in `lang` with `{name}` placeholders filled. */
export function translate(lang: Lang, key: StringKey, params?: Record<string, string | number>): string {
  const text = TABLES[lang][key];
  // Most strings have no placeholder: a 200-node first render reads about a thousand of them.
  if (!text.includes('{')) return text;
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params?.[name] ?? ''));
}
