/**
 * @module Silences: mute notifications of matching alerts for a while (from the config file's
 * `alerts.silences` and from the admin). States and events still go on underneath.
 */
import { configFields as f } from '../util/fields';

/** Mutes notifications of matching alerts until `until` (Unix ms). */
export interface Silence {
  rule: string | null;
  node: string | null;
  until: number;
  reason: string;
}

/** `alerts.silences`: [{ "rule"?, "node"?, "until": "2026-12-01T06:00:00Z", "reason"? }], at least one of rule or node. */
export function parseSilences(value: unknown): Silence[] {
  if (value === undefined) return [];
  const list = f.object(value, 'alerts').silences ?? [];
  if (!Array.isArray(list) || list.length > 100) throw f.bad('alerts.silences', 'must be a list of at most 100 silences');
  return list.map((raw, i) => {
    const key = `alerts.silences[${i}]`;
    const r = f.object(raw, key);
    for (const field of ['rule', 'node', 'reason'] as const)
      if (r[field] !== undefined && typeof r[field] !== 'string') throw f.bad(`${key}.${field}`, 'must be a string');
    if (r.rule === undefined && r.node === undefined)
      throw f.bad(key, 'needs "rule", "node" or both: a silence of everything is a missing notify list');
    const until = typeof r.until === 'string' ? Date.parse(r.until) : NaN;
    if (Number.isNaN(until))
      throw f.bad(`${key}.until`, `must be a date and time such as "2026-12-01T06:00:00Z", got ${JSON.stringify(r.until)}`);
    return {
      rule: (r.rule as string | undefined) ?? null,
      node: (r.node as string | undefined) ?? null,
      until,
      reason: (r.reason as string | undefined) ?? '',
    };
  });
}

/** Whether a silence covers this rule on this node at `now`. A stepped rule ("quota@80") matches its base name. */
export function isSilenced(silences: readonly Silence[], rule: string, node: string, now: number): boolean {
  const base = rule.replace(/@\d+(\.\d+)?$/, '');
  return silences.some(
    (s) => now < s.until && (s.rule === null || s.rule === rule || s.rule === base) && (s.node === null || s.node === node),
  );
}
