/** @module WeCom (企业微信): a group robot's webhook. */
import { textWithLink } from '../message';
import type { Provider } from '../provider';
import { errcodeCheck, post, urlField } from '../provider';

export interface WeComChannel {
  type: 'wecom';
  url: string;
}

export const wecom: Provider<WeComChannel> = {
  type: 'wecom',
  fields: [{ name: 'url', kind: 'url', required: true, secret: true }],
  parse: (raw, key) => ({ type: 'wecom', url: urlField(raw, key, 'url') }),
  send: (c, m) => post({ url: c.url, body: JSON.stringify({ msgtype: 'text', text: { content: textWithLink(m) } }) }, errcodeCheck),
};
