/** @module Slack: an incoming webhook (Mattermost and Rocket.Chat take the same body). */
import { textWithLink } from '../message';
import type { Provider } from '../provider';
import { post, urlField } from '../provider';

export interface SlackChannel {
  type: 'slack';
  url: string;
}

export const slack: Provider<SlackChannel> = {
  type: 'slack',
  fields: [{ name: 'url', kind: 'url', required: true, secret: true }],
  parse: (raw, key) => ({ type: 'slack', url: urlField(raw, key, 'url') }),
  send: (c, m) => post({ url: c.url, body: JSON.stringify({ text: textWithLink(m) }) }),
};
