/** @module ntfy: a message to a topic on ntfy.sh or your own server; critical alerts are urgent. */
import { titleOf } from '../message';
import type { Provider } from '../provider';
import { optional, post, required, trimSlash, urlField } from '../provider';

export interface NtfyChannel {
  type: 'ntfy';
  server: string;
  topic: string;
  /** Access token for a protected topic; '' for none. */
  token: string;
}

export const ntfy: Provider<NtfyChannel> = {
  type: 'ntfy',
  fields: [
    { name: 'server', kind: 'url', hint: 'https://ntfy.sh' },
    { name: 'topic', kind: 'text', required: true, secret: true },
    { name: 'token', kind: 'text', secret: true },
  ],
  parse: (raw, key) => ({
    type: 'ntfy',
    server: urlField(raw, key, 'server', 'https://ntfy.sh'),
    topic: required(raw, key, 'topic'),
    token: optional(raw, key, 'token', ''),
  }),
  send: (c, m) =>
    post({
      url: `${trimSlash(c.server)}/${encodeURIComponent(c.topic)}`,
      headers: {
        'Content-Type': 'text/plain; charset=utf-8',
        Title: titleOf(m),
        Priority: m.state === 'firing' && m.severity === 'critical' ? 'urgent' : 'default',
        Click: m.link,
        ...(c.token ? { Authorization: `Bearer ${c.token}` } : {}),
      },
      body: m.text,
    }),
};
