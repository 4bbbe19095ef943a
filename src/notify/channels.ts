/**
 * @module Every notification provider by type, the `Channel` union of their configs, and the
 * `notifications` section's parser: each channel validated by its own provider at load.
 */
import type { ChannelFieldSpec } from '../protocol/admin';
import { configFields } from '../util/fields';
import type { AlertMessage } from './message';
import type { Provider } from './provider';
import type { BarkChannel } from './providers/bark';
import { bark } from './providers/bark';
import type { DingTalkChannel } from './providers/dingtalk';
import { dingtalk } from './providers/dingtalk';
import type { DiscordChannel } from './providers/discord';
import { discord } from './providers/discord';
import type { EmailChannel } from './providers/email';
import { email } from './providers/email';
import type { FeishuChannel } from './providers/feishu';
import { feishu } from './providers/feishu';
import type { GotifyChannel } from './providers/gotify';
import { gotify } from './providers/gotify';
import type { NtfyChannel } from './providers/ntfy';
import { ntfy } from './providers/ntfy';
import type { ServerChanChannel } from './providers/serverchan';
import { serverchan } from './providers/serverchan';
import type { SlackChannel } from './providers/slack';
import { slack } from './providers/slack';
import type { TelegramChannel } from './providers/telegram';
import { telegram } from './providers/telegram';
import type { WebhookChannel } from './providers/webhook';
import { webhook } from './providers/webhook';
import type { WeComChannel } from './providers/wecom';
import { wecom } from './providers/wecom';

export type Channel =
  | WebhookChannel
  | EmailChannel
  | TelegramChannel
  | DiscordChannel
  | SlackChannel
  | NtfyChannel
  | GotifyChannel
  | BarkChannel
  | ServerChanChannel
  | DingTalkChannel
  | FeishuChannel
  | WeComChannel;

const PROVIDERS: { [T in Channel['type']]: Provider<Extract<Channel, { type: T }>> } = {
  webhook,
  email,
  telegram,
  discord,
  slack,
  ntfy,
  gotify,
  bark,
  serverchan,
  dingtalk,
  feishu,
  wecom,
};

const TYPES = Object.keys(PROVIDERS) as Channel['type'][];

export function sendTo(channel: Channel, message: AlertMessage): Promise<void> {
  return (PROVIDERS[channel.type] as Provider<Channel>).send(channel, message);
}

/** One channel (`key` names it in errors: `notifications.<name>`), validated by its type's provider. */
export function parseChannel(body: unknown, key: string): Channel {
  const raw = configFields.object(body, key);
  const type = configFields.oneOf(raw.type, `${key}.type`, TYPES);
  return (PROVIDERS[type] as Provider<Channel>).parse(raw, key);
}

/** The `notifications` section: channels by name. */
export function parseChannels(value: unknown): Record<string, Channel> {
  if (value === undefined) return {};
  const out: Record<string, Channel> = {};
  for (const [name, body] of Object.entries(configFields.object(value, 'notifications'))) {
    if (name.startsWith('//')) continue;
    out[name] = parseChannel(body, `notifications.${name}`);
  }
  return out;
}

/** Every channel type's config fields, for the admin's forms. */
export function channelTypes(): Record<string, ChannelFieldSpec[]> {
  return Object.fromEntries(TYPES.map((type) => [type, [...PROVIDERS[type].fields]]));
}
