/**
 * @module GET /api/nodes/:id/history: picks a bucket width giving at most 1 500 points, reads the
 * finest tier that has it and still covers the range, and answers in columns ready for uPlot
 * (`{ts:[…], cpu:[…]}`), with null where the node sent nothing. Without `metrics=` it answers what
 * the node page charts (defaultMetrics), and every answer stays under MAX_HISTORY_BYTES: one node
 * with 125 000 names once made every default answer 34-69 MB and 4.5 s of work, open to guests.
 */
import type { HistoryAnswer, HistoryRange, HistoryStat } from '../../protocol/history';
import { HISTORY_RANGES, HISTORY_STATS } from '../../protocol/history';
import { CUSTOM_PREFIX, LATENCY_PREFIX, LOSS_PREFIX, METRIC_NAMES, isKnownMetric, splitFamily } from '../../protocol/metrics';
import type { Row } from '../../protocol/row';
import type { Bucket } from '../../store/rollup';
import { mergeBuckets, rollupSamples } from '../../store/rollup';
import type { Store } from '../../store/store';
import type { Retention, TierName } from '../../store/tiers';
import { TIERS, floorTo } from '../../store/tiers';
import { requestFields } from '../../util/fields';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const STEPS = [
  SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  24 * HOUR,
];
export const MAX_POINTS = 1500;
const MAX_SPAN_MS = 2 * 366 * 86_400_000;

export interface HistoryQuery {
  from: number;
  to: number;
  stepMs: number;
  metrics: string[] | null;
  stat: HistoryStat;
}

const { bad, oneOf } = requestFields;

function unixMs(params: URLSearchParams, key: 'from' | 'to'): number {
  const ms = Number(params.get(key));
  if (!Number.isSafeInteger(ms) || ms < 0) throw bad(key, `must be Unix milliseconds, got ${JSON.stringify(params.get(key))}`);
  return ms;
}

export function parseHistoryQuery(params: URLSearchParams, now: number): HistoryQuery {
  let from: number;
  let to: number;
  const range = params.get('range');
  if (range !== null) {
    to = now;
    from = now - HISTORY_RANGES[oneOf(range, 'range', Object.keys(HISTORY_RANGES) as HistoryRange[])];
  } else if (params.has('from') && params.has('to')) {
    from = unixMs(params, 'from');
    to = unixMs(params, 'to');
    if (from >= to) throw bad('from', 'must be before "to"');
    if (to - from > MAX_SPAN_MS) throw bad('to', 'may be at most two years after "from"');
  } else {
    throw bad('range', 'is required: give range=1h|6h|24h|7d|30d|1y, or from= and to= in Unix milliseconds');
  }
  const metricsParam = params.get('metrics');
  let metrics: string[] | null = null;
  if (metricsParam) {
    metrics = metricsParam.split(',').filter(Boolean);
    if (metrics.length > 64) throw bad('metrics', 'may name at most 64 metrics');
    const unknown = metrics.filter((m) => !isKnownMetric(m));
    if (unknown.length > 0) throw bad('metrics', `names unknown metrics: ${unknown.join(', ')}`);
  }
  const stat = oneOf(params.get('stat') ?? undefined, 'stat', HISTORY_STATS, 'avg');
  const stepMs = STEPS.find((s) => (to - from) / s <= MAX_POINTS) ?? STEPS.at(-1)!;
  return { from, to, stepMs, metrics, stat };
}

/**
 * The tier to read: among those whose buckets are no wider than the step, the coarsest one that
 * still covers `from` (same points on the page, fewest rows read). If none covers it, the finest
 * tier that does (the answer then has wider buckets than asked); if none at all, the coarsest.
 */
export function chooseTier(stepMs: number, from: number, now: number, retention: Retention): TierName {
  const covers = (t: (typeof TIERS)[number]) => from >= now - retention[t.name];
  const fitting = TIERS.filter((t) => t.stepMs <= stepMs)
    .reverse()
    .find(covers);
  return (fitting ?? TIERS.find(covers) ?? TIERS.at(-1)!).name;
}

/** Per-device metrics of one family, latency and loss series, and custom metrics in a default answer: what the node page charts. */
export const DEFAULT_PER_FAMILY = 16;
export const DEFAULT_PROBES = 32;
export const DEFAULT_CUSTOM = 24;
/** The metric columns of one answer stop short of this many bytes of JSON (1 500 points of 37 metrics take ~0.5 MB). */
export const MAX_HISTORY_BYTES = 1_500_000;

const byNumber = (a: string, b: string) => a.localeCompare(b, undefined, { numeric: true });

/**
 * The metrics of an answer without `metrics=`: every built-in one, and of those the node reports
 * now (`live`), per device family the first DEFAULT_PER_FAMILY, DEFAULT_PROBES latency and loss
 * series and DEFAULT_CUSTOM custom metrics, as the node page picks them for its charts.
 */
export function defaultMetrics(live: Iterable<string>): string[] {
  const families = new Map<string, string[]>();
  const probes: string[] = [];
  const custom: string[] = [];
  for (const name of live) {
    const family = splitFamily(name)?.family;
    if (family) {
      let members = families.get(family);
      if (!members) families.set(family, (members = []));
      members.push(name);
    } else if (name.startsWith(LATENCY_PREFIX) || name.startsWith(LOSS_PREFIX)) probes.push(name);
    else if (name.startsWith(CUSTOM_PREFIX)) custom.push(name);
  }
  return [
    ...METRIC_NAMES,
    ...[...families.values()].flatMap((members) => members.sort(byNumber).slice(0, DEFAULT_PER_FAMILY)),
    ...probes.sort().slice(0, DEFAULT_PROBES),
    ...custom.sort().slice(0, DEFAULT_CUSTOM),
  ];
}

/** What an answer holds and where it is read from: its metrics, the tier, the bucket width. */
export interface HistoryPlan {
  wanted: string[];
  tier: TierName;
  stepMs: number;
}

/** `live`: the node's live values (a default answer holds the built-in metrics and those it reports now). */
export function planHistory(query: HistoryQuery, now: number, retention: Retention, live: Row | null = null): HistoryPlan {
  const wanted = query.metrics ?? defaultMetrics(live ? live.names.filter((_, i) => !Number.isNaN(live.data[i]!)) : []);
  const tier = chooseTier(query.stepMs, query.from, now, retention);
  const stepMs = Math.max(query.stepMs, TIERS.find((t) => t.name === tier)!.stepMs);
  return { wanted, tier, stepMs };
}

/** The node's buckets in [from, to) from the local store, `plan.stepMs` wide. */
export function localBuckets(store: Store, nodeId: number, from: number, to: number, plan: HistoryPlan): Bucket[] {
  const { tier, wanted, stepMs } = plan;
  if (tier === 'raw') return rollupSamples(store.samples(nodeId, from, to, wanted), stepMs);
  const tierStep = TIERS.find((t) => t.name === tier)!.stepMs;
  const packed = store.buckets(nodeId, tier, floorTo(from, tierStep), to, wanted);
  // Minutes not packed yet are still raw: roll them up here so the newest points are not missing.
  const packedUntil = packed.length > 0 ? packed.at(-1)!.ts + tierStep : from;
  const recent = rollupSamples(store.samples(nodeId, Math.max(from, packedUntil), to, wanted), tierStep);
  return mergeBuckets([...packed, ...recent], stepMs);
}

/** The answer in columns from buckets `plan.stepMs` wide (each holds the stats of the metrics it has). */
export function historyAnswer(query: HistoryQuery, plan: HistoryPlan, buckets: readonly Bucket[]): HistoryAnswer {
  const { from, to } = query;
  const { stepMs, wanted, tier } = plan;
  const start = floorTo(from, stepMs);
  const count = Math.ceil((to - start) / stepMs);
  const ts = Array.from({ length: count }, (_, i) => start + i * stepMs);
  // Without metrics=, only those with data in the range.
  const present = query.metrics ? null : new Set(buckets.flatMap((b) => Object.keys(b.stats)));
  const names = present ? wanted.filter((name) => present.has(name)) : wanted;
  const columns = new Map(names.map((name) => [name, new Array<number | null>(count).fill(null)]));
  for (const b of buckets) {
    const i = Math.floor((b.ts - start) / stepMs);
    if (i < 0 || i >= count) continue;
    for (const [name, column] of columns) {
      const s = b.stats[name];
      if (s) column[i] = s[query.stat];
    }
  }
  const result: HistoryAnswer = { from, to, stepMs, tier, ts };
  let bytes = JSON.stringify(ts).length;
  const omitted: string[] = [];
  for (const [name, column] of columns) {
    bytes += name.length + 4 + JSON.stringify(column).length;
    if (bytes > MAX_HISTORY_BYTES) omitted.push(name);
    else result[name] = column;
  }
  if (omitted.length > 0) result.omitted = omitted.join(',');
  return result;
}

/** The answer from the local store. */
export function readHistory(
  store: Store,
  nodeId: number,
  query: HistoryQuery,
  now: number,
  retention: Retention,
  live: Row | null = null,
): HistoryAnswer {
  const plan = planHistory(query, now, retention, live);
  return historyAnswer(query, plan, localBuckets(store, nodeId, query.from, query.to, plan));
}
