/** @module DingTalk (钉钉): a group robot's webhook, signed when the robot has a secret. */
import { builtin } from '../../util/builtin';
import { textWithLink } from '../message';
import type { Provider } from '../provider';
import { errcodeCheck, optional, post, urlField } from '../provider';

export interface DingTalkChannel {
  type: 'dingtalk';
  url: string;
  /** The robot's "sign" secret; '' if it uses keywords or IP ranges instead. */
  secret: string;
}

/** HMAC-SHA256 of "<timestamp ms>\n<secret>" keyed by the secret, base64. */
export function dingtalkSign(secret: string, timestamp: number): string {
  return builtin('node:crypto').createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
}

export const dingtalk: Provider<DingTalkChannel> = {
  type: 'dingtalk',
  fields: [
    { name: 'url', kind: 'url', required: true, secret: true },
    { name: 'secret', kind: 'text', secret: true },
  ],
  parse: (raw, key) => ({ type: 'dingtalk', url: urlField(raw, key, 'url'), secret: optional(raw, key, 'secret', '') }),
  send(c, m) {
    const now = Date.now();
    const url = c.secret
      ? `${c.url}${c.url.includes('?') ? '&' : '?'}timestamp=${now}&sign=${encodeURIComponent(dingtalkSign(c.secret, now))}`
      : c.url;
    return post({ url, body: JSON.stringify({ msgtype: 'text', text: { content: textWithLink(m) } }) }, errcodeCheck);
  },
};
