/** @module Bark: a push to an iPhone through api.day.app or your own Bark server. */
import { titleOf } from '../message';
import type { Provider } from '../provider';
import { post, required, trimSlash, urlField } from '../provider';

export interface BarkChannel {
  type: 'bark';
  server: string;
  deviceKey: string;
}

export const bark: Provider<BarkChannel> = {
  type: 'bark',
  fields: [
    { name: 'server', kind: 'url', hint: 'https://api.day.app' },
    { name: 'deviceKey', kind: 'text', required: true, secret: true },
  ],
  parse: (raw, key) => ({
    type: 'bark',
    server: urlField(raw, key, 'server', 'https://api.day.app'),
    deviceKey: required(raw, key, 'deviceKey'),
  }),
  send: (c, m) =>
    post({
      url: `${trimSlash(c.server)}/push`,
      body: JSON.stringify({ device_key: c.deviceKey, title: titleOf(m), body: m.text, url: m.link, group: 'probe' }),
    }),
};
