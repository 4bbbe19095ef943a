/**
 * @module Builds the effective Config: defaults < config file < PROBE_* environment < flags.
 * Every bad value is a ProbeError PROBE_ERR_CONFIG naming the key and where it came from.
 */
import { readFileSync } from 'node:fs';
import { parseRules, parseSilences } from '../alerts/rules';
import { parseChecks } from '../checks/checks';
import { parseChannels } from '../notify/channels';
import { parseNodeSettings } from './page';
import { ProbeError } from '../util/errors';
import { DEFAULTS } from './schema';
import type { Config } from './schema';
import { ENV_KEYS, SETTINGS, settingOf } from './settings';
import { checkCluster } from './cluster';
import { configError, rethrowIn } from './values';

/** A flat map of dotted keys (`server.listen`) to raw values, from one source. */
export type RawSettings = Record<string, unknown>;

export interface LoadOptions {
  /** Path of a JSON config file; a missing file is an error only if given. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Values from command-line flags, as dotted keys. Undefined values are ignored. */
  flags?: RawSettings;
}

/** Every key a config file may set, in the order the error for an unknown one lists them. */
const KNOWN_KEYS = new Set(SETTINGS.map((s) => s.key));

/** Flattens the file's nested objects into dotted keys, rejecting keys we do not know. */
export function flattenFile(json: unknown, source: string): RawSettings {
  const out: RawSettings = {};
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ProbeError('PROBE_ERR_CONFIG', `${source}: the top level must be a JSON object`);
  }
  for (const [section, body] of Object.entries(json)) {
    if (section.startsWith('//') || section === '$schema') continue;
    // Structured sections, validated as a whole by src/alerts/rules.ts, src/config/page.ts and src/checks/checks.ts.
    if (section === 'notifications' || section === 'alerts' || section === 'nodes' || section === 'checks') {
      out[section] = body;
      continue;
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw configError(source, section, 'must be an object of settings');
    }
    for (const [name, value] of Object.entries(body)) {
      if (name.startsWith('//')) continue;
      const key = `${section}.${name}`;
      if (!KNOWN_KEYS.has(key)) throw configError(source, key, `is not a known setting (known: ${[...KNOWN_KEYS].join(', ')})`);
      out[key] = value;
    }
  }
  return out;
}

function readFile(path: string): RawSettings {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ProbeError('PROBE_ERR_CONFIG', `cannot read config file ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ProbeError('PROBE_ERR_CONFIG', `config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  return flattenFile(json, path);
}

function fromEnv(env: NodeJS.ProcessEnv): RawSettings {
  const out: RawSettings = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const value = env[name];
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

function apply(config: Config, settings: RawSettings, source: string): void {
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined) continue;
    const setting = settingOf(key);
    if (!setting) throw configError(source, key, 'is not a known setting');
    setting.apply(config, value, source, key);
  }
}

export function loadConfig(options: LoadOptions = {}): Config {
  const config: Config = structuredClone(DEFAULTS);
  if (options.file) {
    const { notifications, alerts, nodes, checks, ...settings } = readFile(options.file);
    apply(config, settings, options.file);
    rethrowIn(options.file, () => {
      config.channels = parseChannels(notifications);
      config.checks = parseChecks(checks);
      config.rules = parseRules(alerts, config.channels, new Set(config.checks.map((c) => c.name)));
      config.silences = parseSilences(alerts);
      config.nodes = parseNodeSettings(nodes);
    });
  }
  apply(config, fromEnv(options.env ?? {}), 'environment');
  apply(config, options.flags ?? {}, 'command line');
  if (Boolean(config.server.tlsCert) !== Boolean(config.server.tlsKey)) {
    throw new ProbeError(
      'PROBE_ERR_CONFIG',
      '"server.tlsCert" and "server.tlsKey" go together: give both PEM files (or neither, for plain HTTP behind a proxy)',
    );
  }
  checkCluster(config.cluster);
  return config;
}
