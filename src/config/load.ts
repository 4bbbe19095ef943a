/**
 * @module Builds the effective Config: defaults < config file < PROBE_* environment < flags.
 * Every bad value is a ProbeError PROBE_ERR_CONFIG naming the key and where it came from.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parseRules, parseSilences } from '../alerts/rules';
import { parseChannels } from '../notify/channels';
import { parseCommands, parseLatencyTargets, parseLinks, parseNodeSettings } from './page';
import { parseTrustedProxies } from '../server/client-address';
import { ProbeError } from '../util/errors';
import { parseDuration } from '../util/duration';
import { DEFAULTS, ENV_KEYS, MAX_INTERVAL_MS, MIN_INTERVAL_MS } from './schema';
import type { Config } from './schema';

/** A flat map of dotted keys (`server.listen`) to raw values, from one source. */
export type RawSettings = Record<string, unknown>;

export interface LoadOptions {
  /** Path of a JSON config file; a missing file is an error only if given. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Values from command-line flags, as dotted keys. Undefined values are ignored. */
  flags?: RawSettings;
}

/** Settings only a config file can hold. */
const FILE_ONLY_KEYS = ['page.links', 'agent.commands'];
const KNOWN_KEYS = new Set([...Object.values(ENV_KEYS), ...FILE_ONLY_KEYS]);

function configError(source: string, key: string, problem: string): ProbeError {
  return new ProbeError('PROBE_ERR_CONFIG', `${source}: "${key}" ${problem}`);
}

/** Flattens the file's nested objects into dotted keys, rejecting keys we do not know. */
export function flattenFile(json: unknown, source: string): RawSettings {
  const out: RawSettings = {};
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ProbeError('PROBE_ERR_CONFIG', `${source}: the top level must be a JSON object`);
  }
  for (const [section, body] of Object.entries(json)) {
    if (section.startsWith('//') || section === '$schema') continue;
    // Structured sections, validated as a whole by src/alerts/rules.ts and src/config/page.ts.
    if (section === 'notifications' || section === 'alerts' || section === 'nodes') {
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

function asString(value: unknown, source: string, key: string): string {
  if (typeof value !== 'string') throw configError(source, key, `must be a string, got ${JSON.stringify(value)}`);
  return value;
}

/** A list of strings: a JSON array, or a comma-separated string (environment). */
function asList(value: unknown, source: string, key: string): string[] {
  if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter(Boolean);
  if (Array.isArray(value) && value.length <= 100 && value.every((v) => typeof v === 'string')) return value as string[];
  throw configError(source, key, `must be a list of strings (or one string, comma-separated), got ${JSON.stringify(value)}`);
}

/** A host name or an IP address, without scheme or port. */
function asHostName(value: string, source: string, key: string): string {
  const host = value.trim().replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(host) === 0 && !/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(host)) {
    throw configError(source, key, `must list host names or addresses without scheme or port, such as status.example.com; got ${JSON.stringify(value)}`);
  }
  return host;
}

function asBoolean(value: unknown, source: string, key: string): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1' || value === 'yes') return true;
  if (value === 'false' || value === '0' || value === 'no') return false;
  throw configError(source, key, `must be true or false, got ${JSON.stringify(value)}`);
}

function asInterval(value: unknown, source: string, key: string): number {
  const ms = typeof value === 'number' ? value * 1000 : typeof value === 'string' ? parseDuration(value) : null;
  if (ms === null || ms < MIN_INTERVAL_MS || ms > MAX_INTERVAL_MS) {
    throw configError(source, key, `must be a duration from 1s to 1h such as "1s" or "30s", got ${JSON.stringify(value)}`);
  }
  return ms;
}

function asAckInterval(value: unknown, source: string, key: string): number | 'auto' {
  if (value === 'auto') return value;
  const ms = typeof value === 'string' ? parseDuration(value) : null;
  if (ms === null || ms < 1000 || ms > 30_000) throw configError(source, key, `must be "auto" or a duration from 1s to 30s such as "5s", got ${JSON.stringify(value)}`);
  return ms;
}

function asRetention(value: unknown, source: string, key: string): number {
  const ms = typeof value === 'string' ? parseDuration(value) : null;
  if (ms === null || ms < 60_000 || ms > 10 * 366 * 86_400_000) {
    throw configError(source, key, `must be a duration from 1m to 10 years such as "24h" or "400d", got ${JSON.stringify(value)}`);
  }
  return ms;
}

function asListen(value: unknown, source: string, key: string): string {
  const text = asString(value, source, key);
  const match = /^(.*):(\d+)$/.exec(text);
  if (!match || Number(match[2]) > 65535) throw configError(source, key, `must be host:port such as 0.0.0.0:8080, got ${JSON.stringify(text)}`);
  return text;
}

/**
 * A node key goes into an HTTP header: one token of printable ASCII, or empty for "not set". The
 * key itself is never echoed.
 */
function asKey(value: unknown, source: string, key: string): string {
  const text = asString(value, source, key);
  if (!/^[\x21-\x7e]{0,256}$/.test(text)) {
    throw configError(source, key, `must be one key as printed by \`probe node add\` (pk_ and 43 letters, digits, - or _), without spaces or line breaks; got ${text.length} characters that are not one`);
  }
  return text;
}

function asWsUrl(value: unknown, source: string, key: string): string {
  const text = asString(value, source, key);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw configError(source, key, `must be a URL such as wss://status.example.com, got ${JSON.stringify(text)}`);
  }
  if (!['ws:', 'wss:', 'http:', 'https:'].includes(url.protocol)) {
    throw configError(source, key, `must start with ws://, wss://, http:// or https://`);
  }
  return text;
}

/** Runs a section parser, naming `source` in the error it throws. */
function rethrowIn<T>(source: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof ProbeError) throw new ProbeError(err.code, `${source}: ${err.message}`);
    throw err;
  }
}

function apply(config: Config, settings: RawSettings, source: string): void {
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined) continue;
    switch (key) {
      case 'server.listen': config.server.listen = asListen(value, source, key); break;
      case 'server.data': config.server.data = asString(value, source, key); break;
      case 'server.localAgent': config.server.localAgent = asBoolean(value, source, key); break;
      case 'server.title': config.server.title = asString(value, source, key); break;
      case 'server.publicUrl': config.server.publicUrl = asString(value, source, key); break;
      case 'server.allowedHosts': config.server.allowedHosts = asList(value, source, key).map((host) => asHostName(host, source, key)); break;
      case 'server.tlsCert': config.server.tlsCert = asString(value, source, key); break;
      case 'server.tlsKey': config.server.tlsKey = asString(value, source, key); break;
      case 'server.trustProxy': config.server.trustProxy = asBoolean(value, source, key); break;
      case 'server.trustedProxies': config.server.trustedProxies = rethrowIn(source, () => parseTrustedProxies(asList(value, source, key))); break;
      case 'server.ackInterval': config.server.ackIntervalMs = asAckInterval(value, source, key); break;
      case 'server.metricNamesPerNode': {
        const n = typeof value === 'string' ? Number(value) : value;
        if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 100 || n > 100_000) throw configError(source, key, `must be a whole number from 100 to 100000, got ${JSON.stringify(value)}`);
        config.server.metricNamesPerNode = n;
        break;
      }
      case 'agent.ca': config.agent.ca = asString(value, source, key); break;
      case 'page.description': config.page.description = asString(value, source, key).slice(0, 500); break;
      case 'page.showHostnames': config.page.showHostnames = asBoolean(value, source, key); break;
      case 'page.alerts': {
        const mode = asString(value, source, key);
        if (mode !== 'none' && mode !== 'firing' && mode !== 'all') throw configError(source, key, 'must be none, firing or all');
        config.page.alerts = mode;
        break;
      }
      case 'page.links': config.page.links = rethrowIn(source, () => parseLinks(value)); break;
      case 'agent.server': config.agent.server = asWsUrl(value, source, key); break;
      case 'agent.key': config.agent.key = asKey(value, source, key); break;
      case 'agent.interval': config.agent.intervalMs = asInterval(value, source, key); break;
      case 'agent.stateDir': config.agent.stateDir = asString(value, source, key); break;
      case 'agent.bufferMaxBytes': {
        const n = typeof value === 'string' ? Number(value) : value;
        if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1024 * 1024) throw configError(source, key, `must be a number of bytes, at least 1048576, got ${JSON.stringify(value)}`);
        config.agent.bufferMaxBytes = n;
        break;
      }
      case 'agent.latencyTargets': config.agent.latencyTargets = rethrowIn(source, () => parseLatencyTargets(value)); break;
      case 'agent.textfileDir': config.agent.textfileDir = asString(value, source, key); break;
      case 'agent.hostRoot': config.agent.hostRoot = asString(value, source, key); break;
      case 'agent.commands': config.agent.commands = rethrowIn(source, () => parseCommands(value)); break;
      case 'agent.latencyInterval': config.agent.latencyIntervalMs = asInterval(value, source, key); break;
      case 'agent.bufferMaxAge': config.agent.bufferMaxAgeMs = asRetention(value, source, key); break;
      case 'retention.raw': config.retention.raw = asRetention(value, source, key); break;
      case 'retention.1m': config.retention['1m'] = asRetention(value, source, key); break;
      case 'retention.15m': config.retention['15m'] = asRetention(value, source, key); break;
      case 'retention.1h': config.retention['1h'] = asRetention(value, source, key); break;
      case 'log.level': {
        const level = asString(value, source, key);
        if (!['debug', 'info', 'warn', 'error'].includes(level)) throw configError(source, key, 'must be debug, info, warn or error');
        config.logLevel = level as Config['logLevel'];
        break;
      }
      default: throw configError(source, key, 'is not a known setting');
    }
  }
}

export function loadConfig(options: LoadOptions = {}): Config {
  const config: Config = structuredClone(DEFAULTS);
  if (options.file) {
    const { notifications, alerts, nodes, ...settings } = readFile(options.file);
    apply(config, settings, options.file);
    rethrowIn(options.file, () => {
      config.channels = parseChannels(notifications);
      config.rules = parseRules(alerts, config.channels);
      config.silences = parseSilences(alerts);
      config.nodes = parseNodeSettings(nodes);
    });
  }
  apply(config, fromEnv(options.env ?? {}), 'environment');
  apply(config, options.flags ?? {}, 'command line');
  if (Boolean(config.server.tlsCert) !== Boolean(config.server.tlsKey)) {
    throw new ProbeError('PROBE_ERR_CONFIG', '"server.tlsCert" and "server.tlsKey" go together: give both PEM files (or neither, for plain HTTP behind a proxy)');
  }
  return config;
}
