/**
 * @module Chat and push services that take one JSON (or form) POST: Telegram, Discord, Slack,
 * ntfy, Gotify, Bark, ServerChan, DingTalk, Feishu/Lark, WeCom. Each is a small function from
 * (channel, message) to a request; base URLs are configurable (self-hosted servers, tests).
 */
import { createHmac } from 'node:crypto';
import type { Channel } from '../alerts/rules';
import type { AlertMessage } from './notifier';

const TIMEOUT_MS = 10_000;

export interface Request {
  url: string;
  headers?: Record<string, string>;
  body: string;
}

async function post(req: Request, check?: (body: string) => string | null): Promise<void> {
  const res = await fetch(req.url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'User-Agent': 'probe', ...req.headers },
    body: req.body,
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  // Several services answer 200 with an error code in the body.
  const problem = check?.(text);
  if (problem) throw new Error(problem);
}

const title = (m: AlertMessage) => `${m.state === 'firing' ? m.severity.toUpperCase() : 'RESOLVED'}: ${m.rule} on ${m.node}`;
const body = (m: AlertMessage) => `${m.text}\n${m.link}`;
const json = (v: unknown) => JSON.stringify(v);
const trimSlash = (url: string) => url.replace(/\/+$/, '');

/** DingTalk's and Feishu's "sign" security setting: HMAC-SHA256 of "<timestamp>\n<secret>". */
export function dingtalkSign(secret: string, timestamp: number): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
}

export function feishuSign(secret: string, timestampSec: number): string {
  return createHmac('sha256', `${timestampSec}\n${secret}`).update('').digest('base64');
}

/** The request each chat channel sends; pure, so tests can check it field by field. */
export type ChatChannel = Exclude<Channel, { type: 'webhook' | 'email' }>;

export function chatRequest(channel: ChatChannel, m: AlertMessage, now = Date.now()): Request {
  switch (channel.type) {
    case 'telegram':
      return { url: `${trimSlash(channel.apiUrl)}/bot${channel.botToken}/sendMessage`, body: json({ chat_id: channel.chatId, text: body(m), disable_web_page_preview: true }) };
    case 'discord':
      return { url: channel.url, body: json({ content: body(m) }) };
    case 'slack':
      return { url: channel.url, body: json({ text: body(m) }) };
    case 'ntfy':
      return {
        url: `${trimSlash(channel.server)}/${encodeURIComponent(channel.topic)}`,
        headers: { 'Content-Type': 'text/plain; charset=utf-8', Title: title(m), Priority: m.state === 'firing' && m.severity === 'critical' ? 'urgent' : 'default', Click: m.link, ...(channel.token ? { Authorization: `Bearer ${channel.token}` } : {}) },
        body: m.text,
      };
    case 'gotify':
      return { url: `${trimSlash(channel.server)}/message`, headers: { 'X-Gotify-Key': channel.token }, body: json({ title: title(m), message: body(m), priority: m.severity === 'critical' ? 8 : 5 }) };
    case 'bark':
      return { url: `${trimSlash(channel.server)}/push`, body: json({ device_key: channel.deviceKey, title: title(m), body: m.text, url: m.link, group: 'probe' }) };
    case 'serverchan':
      return { url: `${trimSlash(channel.apiUrl)}/${channel.sendKey}.send`, body: json({ title: title(m), desp: body(m) }) };
    case 'dingtalk': {
      const url = channel.secret ? `${channel.url}${channel.url.includes('?') ? '&' : '?'}timestamp=${now}&sign=${encodeURIComponent(dingtalkSign(channel.secret, now))}` : channel.url;
      return { url, body: json({ msgtype: 'text', text: { content: body(m) } }) };
    }
    case 'feishu': {
      const ts = Math.floor(now / 1000);
      return { url: channel.url, body: json({ msg_type: 'text', content: { text: body(m) }, ...(channel.secret ? { timestamp: String(ts), sign: feishuSign(channel.secret, ts) } : {}) }) };
    }
    case 'wecom':
      return { url: channel.url, body: json({ msgtype: 'text', text: { content: body(m) } }) };
  }
}

/** Errors some services report inside a 200 answer. */
function bodyCheck(type: Channel['type']): ((text: string) => string | null) | undefined {
  const field = (text: string, key: string) => {
    try {
      return (JSON.parse(text) as Record<string, unknown>)[key];
    } catch {
      return undefined;
    }
  };
  switch (type) {
    case 'telegram':
      return (t) => (field(t, 'ok') === false ? `Telegram: ${String(field(t, 'description'))}` : null);
    case 'dingtalk':
    case 'wecom':
      return (t) => (typeof field(t, 'errcode') === 'number' && field(t, 'errcode') !== 0 ? `errcode ${String(field(t, 'errcode'))}: ${String(field(t, 'errmsg'))}` : null);
    case 'feishu':
      return (t) => (typeof field(t, 'code') === 'number' && field(t, 'code') !== 0 ? `code ${String(field(t, 'code'))}: ${String(field(t, 'msg'))}` : null);
    default:
      return undefined;
  }
}

export async function sendChat(channel: ChatChannel, message: AlertMessage): Promise<void> {
  await post(chatRequest(channel, message), bodyCheck(channel.type));
}
