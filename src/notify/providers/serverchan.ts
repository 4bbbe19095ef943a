/** @module ServerChan (Server酱): a message through a SendKey, forwarded to WeChat and others. */
import { textWithLink, titleOf } from '../message';
import type { Provider } from '../provider';
import { post, required, trimSlash, urlField } from '../provider';

export interface ServerChanChannel {
  type: 'serverchan';
  sendKey: string;
  apiUrl: string;
}

export const serverchan: Provider<ServerChanChannel> = {
  type: 'serverchan',
  fields: [
    { name: 'sendKey', kind: 'text', required: true, secret: true },
    { name: 'apiUrl', kind: 'url', hint: 'https://sctapi.ftqq.com' },
  ],
  parse: (raw, key) => ({
    type: 'serverchan',
    sendKey: required(raw, key, 'sendKey'),
    apiUrl: urlField(raw, key, 'apiUrl', 'https://sctapi.ftqq.com'),
  }),
  send: (c, m) =>
    post({ url: `${trimSlash(c.apiUrl)}/${c.sendKey}.send`, body: JSON.stringify({ title: titleOf(m), desp: textWithLink(m) }) }),
};
