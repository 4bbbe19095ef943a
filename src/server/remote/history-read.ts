/**
 * @module `history.read`: the history API's buckets from a Prometheus-compatible TSDB (VictoriaMetrics,
 * Prometheus, Mimir) through PromQL `query_range`, one request per answer: `<stat>_over_time` of the
 * node's series over each step, under the names and labels remote write sends (series-labels.ts).
 * Answers are size-limited and timed out; any failure is thrown as PROBE_ERR_HISTORY_READ for the
 * caller to answer from local storage instead (history-source.ts).
 */
import type { HistoryReadTarget } from '../../config/remote-write';
import type { HistoryStat } from '../../protocol/history';
import type { Bucket } from '../../store/rollup';
import { round3 } from '../../store/rollup';
import { ProbeError } from '../../util/errors';
import { promSeries } from '../http/prom-names';
import { fetchFailure, targetHeaders } from './post';

/** The most bytes of one TSDB answer read (1 500 points of a few hundred series fit many times over). */
export const MAX_TSDB_ANSWER_BYTES = 16 * 1024 * 1024;
/** Labels every series carries that do not tell a node's metrics apart. */
const NODE_LABELS = new Set(['__name__', 'node', 'group', 'location']);

export interface TsdbRange {
  /** Start of the first bucket and of the one after the last (both multiples of stepMs). */
  start: number;
  end: number;
  stepMs: number;
}

const fail = (message: string) => new ProbeError('PROBE_ERR_HISTORY_READ', message);
const quote = (value: string) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
const seriesKey = (name: string, labels: readonly (readonly [string, string])[]) =>
  [name, ...labels.map(([k, v]) => `${k}=${v}`).sort()].join('\n');

/**
 * The PromQL of one answer. A point at t covers (t − step, t]; `offset 1ms` makes it [t − step, t),
 * the bucket starting at t − step, as the local store's buckets are.
 */
export function historyPromql(nodeName: string, promNames: readonly string[], stat: HistoryStat, stepMs: number): string {
  const selector = `{__name__=~${quote(promNames.join('|'))},node=${quote(nodeName)}}`;
  return `${stat}_over_time(${selector}[${stepMs}ms] offset 1ms)`;
}

function headers(target: HistoryReadTarget): Record<string, string> {
  const out = targetHeaders(target);
  out['Content-Type'] = 'application/x-www-form-urlencoded';
  return out;
}

/** The body, at most MAX_TSDB_ANSWER_BYTES of it. */
async function readLimited(body: ReadableStream<Uint8Array> | null): Promise<string> {
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
      if (bytes > MAX_TSDB_ANSWER_BYTES) throw fail(`the TSDB answered more than ${MAX_TSDB_ANSWER_BYTES} bytes`);
      chunks.push(value);
    }
  } catch (err) {
    // The connection cut or the timeout reached while the body was coming.
    if (err instanceof ProbeError) throw err;
    throw fail(`the answer broke off: ${(err as Error).message}`);
  } finally {
    void reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function post(target: HistoryReadTarget, form: URLSearchParams): Promise<string> {
  let res: Response;
  try {
    res = await fetch(`${target.url}/api/v1/query_range`, {
      method: 'POST',
      headers: headers(target),
      body: form.toString(),
      signal: AbortSignal.timeout(target.timeoutMs),
      redirect: 'error',
    });
  } catch (err) {
    throw fail(fetchFailure(err, target.timeoutMs));
  }
  const text = await readLimited(res.body);
  if (!res.ok) throw fail(`HTTP ${res.status}: ${text.replace(/\s+/g, ' ').slice(0, 300)}`);
  return text;
}

interface MatrixSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

/** The `data.result` of a matrix answer, checked; anything else throws. */
function parseMatrix(text: string): MatrixSeries[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw fail('the TSDB answered something that is not JSON');
  }
  const data = (body as { status?: unknown; data?: { resultType?: unknown; result?: unknown } } | null)?.data;
  if ((body as { status?: unknown }).status !== 'success' || data?.resultType !== 'matrix' || !Array.isArray(data.result))
    throw fail('the TSDB answered without a matrix result');
  for (const s of data.result as MatrixSeries[]) {
    const ok =
      typeof s?.metric === 'object' &&
      s.metric !== null &&
      Array.isArray(s.values) &&
      s.values.every((p) => Array.isArray(p) && typeof p[0] === 'number' && typeof p[1] === 'string');
    if (!ok) throw fail('the TSDB answered a series in a shape it should not have');
  }
  return data.result as MatrixSeries[];
}

/**
 * The buckets of `wanted` metrics of the node named `nodeName` in the range, each holding `stat`'s
 * value (the only one the answer reads) in every field.
 */
export async function tsdbBuckets(
  target: HistoryReadTarget,
  nodeName: string,
  wanted: readonly string[],
  stat: HistoryStat,
  range: TsdbRange,
): Promise<Bucket[]> {
  const byKey = new Map<string, { metric: string; divisor: number }>();
  for (const metric of wanted) {
    const prom = promSeries(metric);
    if (prom) byKey.set(seriesKey(prom.name, prom.labels), { metric, divisor: prom.divisor });
  }
  if (byKey.size === 0) return [];
  const promNames = [...new Set([...byKey.keys()].map((k) => k.split('\n')[0]!))];
  const { start, end, stepMs } = range;
  const form = new URLSearchParams({
    query: historyPromql(nodeName, promNames, stat, stepMs),
    start: String((start + stepMs) / 1000),
    end: String(end / 1000),
    step: String(stepMs / 1000),
  });
  const buckets = new Map<number, Bucket>();
  for (const series of parseMatrix(await post(target, form))) {
    const labels = Object.entries(series.metric).filter(([k]) => !NODE_LABELS.has(k));
    const known = byKey.get(seriesKey(series.metric.__name__ ?? '', labels));
    if (!known) continue;
    for (const [t, raw] of series.values) {
      const value = Number(raw) * known.divisor;
      if (!Number.isFinite(value)) continue;
      const ts = Math.round(t * 1000) - stepMs;
      let bucket = buckets.get(ts);
      if (!bucket) buckets.set(ts, (bucket = { ts, stats: {} }));
      const v = stat === 'avg' ? round3(value) : value;
      bucket.stats[known.metric] = { avg: v, min: v, max: v, n: 1 };
    }
  }
  return [...buckets.values()].sort((a, b) => a.ts - b.ts);
}
