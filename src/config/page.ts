/**
 * @module The structured settings: the public page's links, each node's public notes (price,
 * expiry, traffic limit) from the `nodes` section, and the agent's latency targets, commands and checks.
 */
import type { Check } from '../checks/checks';
import { parseChecks } from '../checks/checks';
import { AGENT_CHECK_NAME } from '../protocol/checks';
import type { CommandMetric } from '../agent/collectors/commands';
import type { LatencyTarget } from '../agent/collectors/latency';
import type { NodeNotes, PageLink } from '../protocol/messages';
import { PROBE_LABEL } from '../protocol/metrics';
import { configFields } from '../util/fields';

export interface NodeSettings {
  /** Left out of everything a guest can see: the page, /api/*, /metrics. */
  hidden: boolean;
  /** Day of the month (1–28) the traffic counter starts again, in the server's time zone. */
  trafficResetDay: number;
  notes: NodeNotes | null;
}

export const DEFAULT_NODE_SETTINGS: NodeSettings = { hidden: false, trafficResetDay: 1, notes: null };

const { bad, object, text, optionalText } = configFields;

/** The `page.links` setting: footer links, http(s) only. */
export function parseLinks(value: unknown): PageLink[] {
  if (!Array.isArray(value) || value.length > 20) throw bad('page.links', 'must be a list of at most 20 { "label": …, "url": … } objects');
  return value.map((item, i) => {
    const key = `page.links[${i}]`;
    const { label, url } = object(item, key);
    const link = { label: text(label, `${key}.label`, 80), url: text(url, `${key}.url`, 2000) };
    if (!/^https?:\/\//i.test(link.url)) throw bad(`${key}.url`, `must start with http:// or https://, got ${JSON.stringify(link.url)}`);
    return link;
  });
}

const NODE_KEYS = new Set(['hidden', 'trafficResetDay', 'price', 'billing', 'expires', 'trafficLimit', 'note']);

/** The `nodes` section: settings by node name. */
export function parseNodeSettings(value: unknown): Record<string, NodeSettings> {
  if (value === undefined) return {};
  const out: Record<string, NodeSettings> = {};
  for (const [name, body] of Object.entries(object(value, 'nodes'))) {
    if (name.startsWith('//')) continue;
    const at = `nodes.${name}`;
    const raw = object(body, at);
    for (const key of Object.keys(raw)) {
      if (!NODE_KEYS.has(key) && !key.startsWith('//'))
        throw bad(`${at}.${key}`, `is not a node setting (known: ${[...NODE_KEYS].join(', ')})`);
    }
    const settings: NodeSettings = {
      hidden: configFields.bool(raw.hidden, `${at}.hidden`, DEFAULT_NODE_SETTINGS.hidden),
      trafficResetDay: configFields.integer(raw.trafficResetDay, `${at}.trafficResetDay`, 1, 28, DEFAULT_NODE_SETTINGS.trafficResetDay),
      notes: null,
    };
    const notes: NodeNotes = {};
    const price = optionalText(raw.price, `${at}.price`, 40);
    const billing = optionalText(raw.billing, `${at}.billing`, 40);
    const note = optionalText(raw.note, `${at}.note`, 280);
    const expires = optionalText(raw.expires, `${at}.expires`, 10);
    if (price !== undefined) notes.price = price;
    if (billing !== undefined) notes.billing = billing;
    if (note !== undefined) notes.note = note;
    if (expires !== undefined) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(expires) || Number.isNaN(Date.parse(expires)))
        throw bad(`${at}.expires`, `must be a date such as 2027-03-01, got ${JSON.stringify(expires)}`);
      notes.expires = expires;
    }
    if (raw.trafficLimit !== undefined) {
      const bytes = configFields.bytes(raw.trafficLimit, `${at}.trafficLimit`);
      if (bytes === 0) throw bad(`${at}.trafficLimit`, 'must be a size such as "1TB" or "500GiB", not 0');
      notes.trafficLimitBytes = bytes;
    }
    settings.notes = Object.keys(notes).length > 0 ? notes : null;
    out[name] = settings;
  }
  return out;
}

/**
 * `agent.latencyTargets`: a list of "label=host:port" strings or {label, host, port} objects, or
 * one comma-separated string of the former (as the environment gives it). At most 16 targets.
 */
export function parseLatencyTargets(value: unknown): LatencyTarget[] {
  const key = 'agent.latencyTargets';
  const items =
    typeof value === 'string'
      ? value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : value;
  if (!Array.isArray(items) || items.length > 16) throw bad(key, 'must be a list of at most 16 targets such as "cu=www.example.cn:80"');
  const labels = new Set<string>();
  return items.map((item, i) => {
    let target: { label: unknown; host: unknown; port: unknown };
    let kind: 'tcp' | 'icmp' = 'tcp';
    if (typeof item === 'string') {
      const icmp = /^([^=]+)=icmp:(\[[^\]]+\]|[^\s]+)$/.exec(item);
      const match = /^([^=]+)=(\[[^\]]+\]|[^:]+):(\d+)$/.exec(item);
      if (icmp) {
        kind = 'icmp';
        target = { label: icmp[1], host: icmp[2]!.replace(/^\[|\]$/g, ''), port: 80 };
      } else if (match) {
        target = { label: match[1], host: match[2]!.replace(/^\[|\]$/g, ''), port: Number(match[3]) };
      } else {
        throw bad(`${key}[${i}]`, `must look like "label=host:port" (TCP) or "label=icmp:host" (ping), got ${JSON.stringify(item)}`);
      }
    } else if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
      const raw = item as { label: unknown; host: unknown; port?: unknown; kind?: unknown };
      if (raw.kind !== undefined && raw.kind !== 'tcp' && raw.kind !== 'icmp') throw bad(`${key}[${i}].kind`, 'must be "tcp" or "icmp"');
      kind = raw.kind === 'icmp' ? 'icmp' : 'tcp';
      target = { label: raw.label, host: raw.host, port: raw.port ?? (kind === 'icmp' ? 80 : undefined) };
    } else {
      throw bad(`${key}[${i}]`, 'must be "label=host:port" or { "label", "host", "port" }');
    }
    const { label, host, port } = target;
    if (typeof label !== 'string' || !PROBE_LABEL.test(label)) throw bad(`${key}[${i}].label`, 'must be 1-32 letters, digits, "_" or "-"');
    if (labels.has(label)) throw bad(`${key}[${i}].label`, `"${label}" is used twice`);
    labels.add(label);
    if (typeof host !== 'string' || host === '' || host.length > 253) throw bad(`${key}[${i}].host`, 'must be a host name or IP address');
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
      throw bad(`${key}[${i}].port`, 'must be a port from 1 to 65535');
    // Names and addresses only: nothing that `ping` could take as an option.
    if ((kind === 'icmp' && !/^[A-Za-z0-9.:_-]+$/.test(host)) || host.startsWith('-'))
      throw bad(`${key}[${i}].host`, 'must be a host name or IP address');
    return kind === 'icmp' ? { label, host, port, kind } : { label, host, port };
  });
}

const COMMAND_NAME = /^[A-Za-z_][A-Za-z0-9_:.-]{0,63}$/;

/**
 * `agent.commands` (config file only): custom metric commands, each
 * `{ "name": "queue_depth", "command": "…", "interval": "60s", "timeout": "10s" }`. At most 32;
 * the timeout may not exceed the interval, so runs of one command never overlap.
 */
export function parseCommands(value: unknown): CommandMetric[] {
  const key = 'agent.commands';
  if (!Array.isArray(value) || value.length > 32)
    throw bad(key, 'must be a list of at most 32 { "name", "command", "interval", "timeout" } objects');
  const names = new Set<string>();
  return value.map((item, i) => {
    const at = `${key}[${i}]`;
    const { name, command, interval = '60s', timeout = '10s' } = object(item, at);
    if (typeof name !== 'string' || !COMMAND_NAME.test(name))
      throw bad(`${at}.name`, 'must be 1-64 letters, digits, "_", ":", "." or "-", starting with a letter or "_"');
    if (names.has(name)) throw bad(`${at}.name`, `"${name}" is used twice`);
    names.add(name);
    if (typeof command !== 'string' || command.trim() === '' || command.length > 4096)
      throw bad(`${at}.command`, 'must be a command line of at most 4096 characters');
    const intervalMs = configFields.duration(interval, `${at}.interval`);
    if (intervalMs < 1000 || intervalMs > 86_400_000)
      throw bad(`${at}.interval`, `must be a duration from "1s" to "24h", got ${JSON.stringify(interval)}`);
    const timeoutMs = configFields.duration(timeout, `${at}.timeout`);
    if (timeoutMs < 100 || timeoutMs > intervalMs)
      throw bad(`${at}.timeout`, `must be a duration from "100ms" up to the interval, got ${JSON.stringify(timeout)}`);
    return { name, command, intervalMs, timeoutMs };
  });
}

/**
 * `agent.checks` (config file only): checks this node's agent runs, entries as in the server's
 * `checks`. Their results travel in the node's samples, so a name is a label, and the node's
 * visibility and group stand for `hidden` and `group`.
 */
export function parseAgentChecks(value: unknown): Check[] {
  const key = 'agent.checks';
  if (Array.isArray(value) && value.length > 64) throw bad(key, 'must be a list of at most 64 checks');
  const checks = parseChecks(value, key);
  checks.forEach((check, i) => {
    const at = `${key}[${i}]`;
    if (!AGENT_CHECK_NAME.test(check.name))
      throw bad(`${at}.name`, `must be 1-32 letters, digits, "_" or "-" (it travels in metric names), got ${JSON.stringify(check.name)}`);
    const raw = (value as Record<string, unknown>[])[i]!;
    if (raw.group !== undefined) throw bad(`${at}.group`, "is not taken for a node's own checks: they are grouped with their node");
    if (raw.hidden !== undefined) throw bad(`${at}.hidden`, "is not taken for a node's own checks: guests see them when they see the node");
  });
  return checks;
}
