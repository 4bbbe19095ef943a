/** @module ServerChan (Server酱): a message through a SendKey, forwarded to WeChat and others. */
import { textWithLink, titleOf } from '../message';
import type { Provider } from '../provider';
import { httpUrl, optional, post, required, trimSlash } from '../provider';

export interface ServerChanChannel {
  type: 'serverchan';
  sendKey: string;
  apiUrl: string;
}

export const serverchan: Provider<ServerChanChannel> = {
  type: 'serverchan',
  parse: (raw, key) => ({ type: 'serverchan', sendKey: required(raw, key, 'sendKey'), apiUrl: httpUrl(optional(raw, key, 'apiUrl', 'https://sctapi.ftqq.com'), `${key}.apiUrl`) }),
  send: (c, m) => post({ url: `${trimSlash(c.apiUrl)}/${c.sendKey}.send`, body: JSON.stringify({ title: titleOf(m), desp: textWithLink(m) }) }),
};
