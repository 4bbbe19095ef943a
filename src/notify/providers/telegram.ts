/** @module Telegram: a bot's sendMessage to a chat. */
import { textWithLink } from '../message';
import type { Provider } from '../provider';
import { jsonField, post, required, trimSlash, urlField } from '../provider';

export interface TelegramChannel {
  type: 'telegram';
  botToken: string;
  chatId: string;
  /** https://api.telegram.org, or a Bot API server of your own. */
  apiUrl: string;
}

export const telegram: Provider<TelegramChannel> = {
  type: 'telegram',
  fields: [
    { name: 'botToken', kind: 'text', required: true, secret: true },
    { name: 'chatId', kind: 'text', required: true },
    { name: 'apiUrl', kind: 'url', hint: 'https://api.telegram.org' },
  ],
  parse: (raw, key) => ({
    type: 'telegram',
    botToken: required(raw, key, 'botToken'),
    chatId: required(raw, key, 'chatId'),
    apiUrl: urlField(raw, key, 'apiUrl', 'https://api.telegram.org'),
  }),
  send: (c, m) =>
    post(
      {
        url: `${trimSlash(c.apiUrl)}/bot${c.botToken}/sendMessage`,
        body: JSON.stringify({ chat_id: c.chatId, text: textWithLink(m), disable_web_page_preview: true }),
      },
      (text) => (jsonField(text, 'ok') === false ? `Telegram: ${String(jsonField(text, 'description'))}` : null),
    ),
};
