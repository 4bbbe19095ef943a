/**
 * @module The alert rules and notification channels in force: the config file's, read at start,
 * and the admin's, kept in the database (settings `admin.rules`, `admin.channels`, in the config
 * file's shapes). The file wins on a name clash. Every change is applied at once: the engine and
 * the notifier are handed the new sets.
 */
import { parseRule } from '../../alerts/rules';
import type { Rule } from '../../alerts/rules';
import type { Channel } from '../../notify/channels';
import { parseChannel } from '../../notify/channels';
import { failureOf } from '../../notify/redact';
import type { SettingsStore } from '../../store/store';
import { log } from '../../util/log';

const RULES_KEY = 'admin.rules';
const CHANNELS_KEY = 'admin.channels';

export type RawRule = Record<string, unknown> & { name: string };
export type RawChannel = Record<string, unknown> & { type: string };

/** Where the sets go when they change. */
export interface AlertSinks {
  rules(rules: readonly Rule[]): void;
  channels(channels: Record<string, Channel>): void;
}

/** A rule's name in the file, without the "@80" of a traffic rule's step. */
const baseName = (name: string): string => name.replace(/@\d+(\.\d+)?$/, '');

export class AlertSetup {
  private inForce: { rules: Rule[]; channels: Record<string, Channel> } = { rules: [], channels: {} };

  readonly fileRules: readonly Rule[];
  readonly fileChannels: Record<string, Channel>;
  /** The config's check names, which rules on checks may name. */
  private readonly checks: ReadonlySet<string>;

  constructor(
    private readonly store: SettingsStore,
    file: { rules: readonly Rule[]; channels: Record<string, Channel>; checks?: ReadonlySet<string> },
    private readonly sinks: AlertSinks,
  ) {
    this.fileRules = file.rules;
    this.fileChannels = file.channels;
    this.checks = file.checks ?? new Set();
    this.inForce = this.build();
  }

  /** Rules as the admin wrote them, in order. */
  adminRules(): RawRule[] {
    const text = this.store.getSetting(RULES_KEY);
    return text ? (JSON.parse(text) as RawRule[]) : [];
  }

  /** Channels as the admin wrote them (secrets included: never hand these to a browser). */
  adminChannels(): Record<string, RawChannel> {
    const text = this.store.getSetting(CHANNELS_KEY);
    return text ? (JSON.parse(text) as Record<string, RawChannel>) : {};
  }

  /** Whether the config file has a rule of this name (it then hides the admin's). */
  fileHasRule(name: string): boolean {
    return this.fileRules.some((r) => r.name === name || baseName(r.name) === name);
  }

  rules(): readonly Rule[] {
    return this.inForce.rules;
  }

  /** Every channel in force by name: the file's and the admin's not hidden by one of the file's. */
  channels(): Record<string, Channel> {
    return this.inForce.channels;
  }

  /** Parses one admin rule against the channels in force (plus `channels`, if given); throws naming the field. */
  parseRule(raw: unknown, key: string, channels: Record<string, Channel> = this.inForce.channels): Rule[] {
    return parseRule(raw, key, channels, this.checks);
  }

  saveRules(rules: readonly RawRule[]): void {
    this.store.putSetting(RULES_KEY, rules.length ? JSON.stringify(rules) : null);
    this.apply();
  }

  saveChannels(channels: Record<string, RawChannel>): void {
    this.store.putSetting(CHANNELS_KEY, Object.keys(channels).length ? JSON.stringify(channels) : null);
    this.apply();
  }

  /** Rebuilds the sets from the file and the database and hands them on. */
  apply(): void {
    this.inForce = this.build();
    this.sinks.channels(this.inForce.channels);
    this.sinks.rules(this.inForce.rules);
  }

  /**
   * What is stored may no longer parse (a file channel it named was removed): such an entry is
   * skipped with a log line rather than keeping the server from starting.
   */
  private build(): { rules: Rule[]; channels: Record<string, Channel> } {
    const channels: Record<string, Channel> = {};
    for (const [name, raw] of Object.entries(this.adminChannels())) {
      if (name in this.fileChannels) continue;
      try {
        channels[name] = parseChannel(raw, `admin channel ${name}`);
      } catch (err) {
        // A parse error may quote the value it refused: a webhook URL is often the secret.
        log.warn('admin channel skipped', { channel: name, error: failureOf(err, raw as unknown as Channel) });
      }
    }
    Object.assign(channels, this.fileChannels);
    const rules: Rule[] = [...this.fileRules];
    for (const raw of this.adminRules()) {
      if (this.fileHasRule(raw.name)) continue;
      try {
        rules.push(...parseRule(raw, `admin rule ${raw.name}`, channels, this.checks));
      } catch (err) {
        log.warn('admin rule skipped', { rule: raw.name, error: (err as Error).message });
      }
    }
    return { rules, channels };
  }
}
