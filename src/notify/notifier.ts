/**
 * @module Sends alert messages to channels: every provider has the same `send`, every send is
 * retried with backoff, and a failing channel is logged, never blocking ingest or other channels.
 */
import { log } from '../util/log';
import type { Channel } from './channels';
import { sendTo } from './channels';
import type { AlertMessage } from './message';
import { failureOf } from './redact';

export type { AlertMessage };

export interface RetryOptions {
  attempts: number;
  baseDelayMs: number;
}

export async function sendWithRetry(
  name: string,
  channel: Channel,
  message: AlertMessage,
  retry: RetryOptions = { attempts: 4, baseDelayMs: 1000 },
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      await sendTo(channel, message);
      return true;
    } catch (err) {
      if (attempt >= retry.attempts) {
        log.error('notification failed; giving up', {
          channel: name,
          rule: message.rule,
          node: message.node,
          code: 'PROBE_ERR_NOTIFY',
          error: failureOf(err, channel),
        });
        return false;
      }
      log.warn('notification failed; retrying', { channel: name, attempt, error: failureOf(err, channel) });
      await new Promise((r) => setTimeout(r, retry.baseDelayMs * 4 ** (attempt - 1)));
    }
  }
}

export class Notifier {
  constructor(
    private channels: Record<string, Channel>,
    private readonly retry?: RetryOptions,
  ) {}

  /** The channels from now on (the admin's changes); sends under way finish with the old ones. */
  setChannels(channels: Record<string, Channel>): void {
    this.channels = channels;
  }

  /** Fire and forget: each channel on its own, so one slow or failing channel delays no other. */
  dispatch(channelNames: readonly string[], message: AlertMessage): void {
    for (const name of channelNames) {
      const channel = this.channels[name];
      if (channel) void sendWithRetry(name, channel, message, this.retry);
    }
  }
}

/** The message `probe notify test` and the admin's "send a test" send. */
export function testMessage(channel: string, link: string, now: number): AlertMessage {
  return {
    rule: 'test',
    node: 'probe',
    group: '',
    state: 'firing',
    severity: 'info',
    value: null,
    metric: null,
    since: now,
    link,
    text: `probe test notification through "${channel}": if you read this, alerts will reach you here.`,
  };
}
