/** @module Discord: a channel webhook. */
import { textWithLink } from '../message';
import type { Provider } from '../provider';
import { post, urlField } from '../provider';

export interface DiscordChannel {
  type: 'discord';
  url: string;
}

export const discord: Provider<DiscordChannel> = {
  type: 'discord',
  fields: [{ name: 'url', kind: 'url', required: true, secret: true }],
  parse: (raw, key) => ({ type: 'discord', url: urlField(raw, key, 'url') }),
  send: (c, m) => post({ url: c.url, body: JSON.stringify({ content: textWithLink(m) }) }),
};
