/** @module Feishu / Lark (飞书): a group bot's webhook, signed when the bot has a secret. */
import { builtin } from '../../util/builtin';
import { textWithLink } from '../message';
import type { Provider } from '../provider';
import { jsonField, optional, post, urlField } from '../provider';

export interface FeishuChannel {
  type: 'feishu';
  url: string;
  secret: string;
}

/** HMAC-SHA256 of nothing, keyed by "<timestamp s>\n<secret>", base64. */
export function feishuSign(secret: string, timestampSec: number): string {
  return builtin('node:crypto').createHmac('sha256', `${timestampSec}\n${secret}`).update('').digest('base64');
}

export const feishu: Provider<FeishuChannel> = {
  type: 'feishu',
  fields: [
    { name: 'url', kind: 'url', required: true, secret: true },
    { name: 'secret', kind: 'text', secret: true },
  ],
  parse: (raw, key) => ({ type: 'feishu', url: urlField(raw, key, 'url'), secret: optional(raw, key, 'secret', '') }),
  send(c, m) {
    const ts = Math.floor(Date.now() / 1000);
    const signed = c.secret ? { timestamp: String(ts), sign: feishuSign(c.secret, ts) } : {};
    return post({ url: c.url, body: JSON.stringify({ msg_type: 'text', content: { text: textWithLink(m) }, ...signed }) }, (text) => {
      const code = jsonField(text, 'code');
      return typeof code === 'number' && code !== 0 ? `code ${code}: ${String(jsonField(text, 'msg'))}` : null;
    });
  },
};
