/**
 * @module Alert rules and silences from the config file, validated once at load:
 * every error is PROBE_ERR_CONFIG naming the key (`alerts.rules[2].threshold`).
 */
import { isKnownMetric } from '../protocol/metrics';
import { ExprError, compileExpression } from './expr';
import type { Expression } from './expr';
import { parseDuration } from '../util/duration';
import { parseBytes } from '../util/bytes';
import type { Channel } from '../notify/channels';
import { ProbeError } from '../util/errors';

export type Op = '>' | '>=' | '<' | '<=' | '==' | '!=';
const OPS: readonly Op[] = ['>', '>=', '<', '<=', '==', '!='];

export interface Scope {
  /** Empty = every node. */
  groups: string[];
  nodes: string[];
}

interface RuleBase {
  name: string;
  forMs: number;
  scope: Scope;
  severity: 'info' | 'warning' | 'critical';
  /** Re-notify this often while firing; 0 = never. */
  repeatMs: number;
  notify: string[];
}

export interface ThresholdRule extends RuleBase {
  kind: 'threshold';
  metric: string;
  op: Op;
  threshold: number;
  /** Hysteresis: the value must cross this (not just the threshold) to recover. */
  recover: number | null;
}

export interface OfflineRule extends RuleBase {
  kind: 'offline';
}

/** A condition over several metrics: `cpu > 90 && load1 > cores * 2`. */
export interface ExprRule extends RuleBase {
  kind: 'expr';
  expr: Expression;
  /** Recovery condition; default: the expression no longer holds. */
  recover: Expression | null;
}

/** Traffic this billing period past a share of the node's quota (`nodes.<name>.trafficLimit`, or the rule's own). */
export interface TrafficRule extends RuleBase {
  kind: 'traffic';
  percent: number;
  /** Which traffic counts: received, sent, or both. */
  direction: 'in' | 'out' | 'sum';
  /** Overrides each node's trafficLimit when set. */
  quotaBytes: number | null;
}

/** The node's `nodes.<name>.expires` date is this many days away or less. */
export interface ExpiryRule extends RuleBase {
  kind: 'expiry';
  days: number;
}

export type Rule = ThresholdRule | OfflineRule | ExprRule | TrafficRule | ExpiryRule;

/** Rules the engine checks on its timer rather than on samples. */
export type TimedRule = OfflineRule | TrafficRule | ExpiryRule;

const bad = (key: string, problem: string) => new ProbeError('PROBE_ERR_CONFIG', `"${key}" ${problem}`);

function obj(value: unknown, key: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(key, 'must be an object');
  return value as Record<string, unknown>;
}

function strings(value: unknown, key: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw bad(key, 'must be a list of strings');
  return value as string[];
}

function duration(value: unknown, key: string, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = typeof value === 'string' ? parseDuration(value) : null;
  if (ms === null) throw bad(key, `must be a duration such as "30s" or "5m", got ${JSON.stringify(value)}`);
  return ms;
}

export function parseRules(value: unknown, channels: Record<string, Channel>): Rule[] {
  if (value === undefined) return [];
  const alerts = obj(value, 'alerts');
  const list = alerts.rules ?? [];
  if (!Array.isArray(list)) throw bad('alerts.rules', 'must be a list of rules');
  const names = new Set<string>();
  return list.flatMap((raw, i): Rule[] => {
    const key = `alerts.rules[${i}]`;
    const r = obj(raw, key);
    if (typeof r.name !== 'string' || r.name === '') throw bad(`${key}.name`, 'must be a non-empty string');
    if (names.has(r.name)) throw bad(`${key}.name`, `"${r.name}" is used by another rule`);
    names.add(r.name);
    const notify = strings(r.notify, `${key}.notify`);
    for (const c of notify) if (!channels[c]) throw bad(`${key}.notify`, `names "${c}", which is not under "notifications"`);
    const severity = r.severity ?? 'warning';
    if (severity !== 'info' && severity !== 'warning' && severity !== 'critical') throw bad(`${key}.severity`, 'must be info, warning or critical');
    const scopeRaw = r.scope === undefined || r.scope === 'all' ? {} : obj(r.scope, `${key}.scope`);
    const base = {
      name: r.name,
      forMs: duration(r.for, `${key}.for`, 0),
      scope: { groups: strings(scopeRaw.groups, `${key}.scope.groups`), nodes: strings(scopeRaw.nodes, `${key}.scope.nodes`) },
      severity,
      repeatMs: duration(r.repeat, `${key}.repeat`, 0),
      notify,
    } as const;
    const expression = (value: unknown, field: string): Expression => {
      if (typeof value !== 'string') throw bad(`${key}.${field}`, 'must be an expression string such as "cpu > 90 && load1 > cores * 2"');
      try {
        return compileExpression(value);
      } catch (err) {
        if (err instanceof ExprError) throw bad(`${key}.${field}`, `is not a valid expression: ${err.message}`);
        throw err;
      }
    };
    if (r.expr !== undefined) {
      return [{ ...base, kind: 'expr', expr: expression(r.expr, 'expr'), recover: r.recover === undefined ? null : expression(r.recover, 'recover') }];
    }
    const kind = r.kind ?? 'threshold';
    if (kind === 'offline') return [{ ...base, kind: 'offline', forMs: duration(r.for, `${key}.for`, 60_000) }];
    if (kind === 'traffic') {
      // "percent": [80, 90, 100] is one rule per step, named "name@80" …, each firing once.
      const steps = Array.isArray(r.percent) ? r.percent : [r.percent ?? 90];
      if (steps.length === 0 || steps.length > 10 || !steps.every((p) => typeof p === 'number' && p > 0 && p <= 1000)) {
        throw bad(`${key}.percent`, 'must be a share of the quota in percent, such as 80, or a list such as [80, 90, 100]');
      }
      let quotaBytes: number | null = null;
      if (r.quota !== undefined) {
        quotaBytes = typeof r.quota === 'string' || typeof r.quota === 'number' ? parseBytes(r.quota) : null;
        if (!quotaBytes) throw bad(`${key}.quota`, `must be a size such as "1TB" or "500GiB", got ${JSON.stringify(r.quota)}`);
      }
      const direction = r.direction ?? 'sum';
      if (direction !== 'in' && direction !== 'out' && direction !== 'sum') throw bad(`${key}.direction`, 'must be "in", "out" or "sum"');
      return (steps as number[]).map((percent) => ({ ...base, name: steps.length > 1 ? `${base.name}@${percent}` : base.name, kind: 'traffic', percent, quotaBytes, direction }));
    }
    if (kind === 'load') {
      // Load per core: a built-in shape of an expression rule.
      const metric = r.metric ?? 'load5';
      if (metric !== 'load1' && metric !== 'load5' && metric !== 'load15') throw bad(`${key}.metric`, 'must be load1, load5 or load15');
      if (typeof r.threshold !== 'number' || !(r.threshold > 0)) throw bad(`${key}.threshold`, 'must be the load per core to alert at, such as 2');
      return [{ ...base, kind: 'expr', expr: expression(`${metric} / cores > ${r.threshold}`, 'threshold'), recover: null }];
    }
    if (kind === 'expiry') {
      const days = r.days ?? 7;
      if (typeof days !== 'number' || !Number.isInteger(days) || days < 0 || days > 366) throw bad(`${key}.days`, 'must be a whole number of days from 0 to 366');
      return [{ ...base, kind: 'expiry', days }];
    }
    if (kind !== 'threshold') throw bad(`${key}.kind`, `must be "threshold", "offline", "traffic", "expiry" or "load" (or give "expr"), got ${JSON.stringify(kind)}`);
    if (typeof r.metric !== 'string' || !isKnownMetric(r.metric)) throw bad(`${key}.metric`, `must be a metric name from docs/protocol.md, got ${JSON.stringify(r.metric)}`);
    if (!OPS.includes(r.op as Op)) throw bad(`${key}.op`, `must be one of ${OPS.join(' ')}`);
    if (typeof r.threshold !== 'number' || !Number.isFinite(r.threshold)) throw bad(`${key}.threshold`, 'must be a number');
    if (r.recover !== undefined && (typeof r.recover !== 'number' || !Number.isFinite(r.recover))) throw bad(`${key}.recover`, 'must be a number');
    return [{ ...base, kind: 'threshold', metric: r.metric, op: r.op as Op, threshold: r.threshold, recover: (r.recover as number | undefined) ?? null }];
  });
}

/** Mutes notifications of matching alerts until `until` (Unix ms); states and events still go on. */
export interface Silence {
  rule: string | null;
  node: string | null;
  until: number;
  reason: string;
}

/** `alerts.silences`: [{ "rule"?, "node"?, "until": "2026-12-01T06:00:00Z", "reason"? }], at least one of rule or node. */
export function parseSilences(value: unknown): Silence[] {
  if (value === undefined) return [];
  const list = obj(value, 'alerts').silences ?? [];
  if (!Array.isArray(list) || list.length > 100) throw bad('alerts.silences', 'must be a list of at most 100 silences');
  return list.map((raw, i) => {
    const key = `alerts.silences[${i}]`;
    const r = obj(raw, key);
    for (const f of ['rule', 'node', 'reason'] as const) if (r[f] !== undefined && typeof r[f] !== 'string') throw bad(`${key}.${f}`, 'must be a string');
    if (r.rule === undefined && r.node === undefined) throw bad(key, 'needs "rule", "node" or both: a silence of everything is a missing notify list');
    const until = typeof r.until === 'string' ? Date.parse(r.until) : NaN;
    if (Number.isNaN(until)) throw bad(`${key}.until`, `must be a date and time such as "2026-12-01T06:00:00Z", got ${JSON.stringify(r.until)}`);
    return { rule: (r.rule as string | undefined) ?? null, node: (r.node as string | undefined) ?? null, until, reason: (r.reason as string | undefined) ?? '' };
  });
}

/** Whether a silence covers this rule on this node at `now`. A stepped rule ("quota@80") matches its base name. */
export function isSilenced(silences: readonly Silence[], rule: string, node: string, now: number): boolean {
  const base = rule.replace(/@\d+(\.\d+)?$/, '');
  return silences.some((s) => now < s.until && (s.rule === null || s.rule === rule || s.rule === base) && (s.node === null || s.node === node));
}
