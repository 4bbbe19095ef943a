/** @module Gotify: a message through an application token on your server. */
import { textWithLink, titleOf } from '../message';
import type { Provider } from '../provider';
import { post, required, trimSlash, urlField } from '../provider';

export interface GotifyChannel {
  type: 'gotify';
  server: string;
  token: string;
}

export const gotify: Provider<GotifyChannel> = {
  type: 'gotify',
  fields: [
    { name: 'server', kind: 'url', required: true },
    { name: 'token', kind: 'text', required: true, secret: true },
  ],
  parse: (raw, key) => ({ type: 'gotify', server: urlField(raw, key, 'server'), token: required(raw, key, 'token') }),
  send: (c, m) =>
    post({
      url: `${trimSlash(c.server)}/message`,
      headers: { 'X-Gotify-Key': c.token },
      body: JSON.stringify({ title: titleOf(m), message: textWithLink(m), priority: m.severity === 'critical' ? 8 : 5 }),
    }),
};
