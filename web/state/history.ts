/**
 * @module Chart data for the node page: loads GET /api/nodes/:id/history for the chosen range,
 * and in the 1h view appends each live sample so the charts move without reloading.
 */
import { signal } from '@preact/signals';
import type { ErrorBody } from '../../src/protocol/errors';
import type { HistoryAnswer, HistoryColumn, HistoryRange } from '../../src/protocol/history';
import { HISTORY_RANGES, historyColumns } from '../../src/protocol/history';
import type { NodeView } from '../../src/protocol/messages';

export const RANGES = Object.keys(HISTORY_RANGES) as HistoryRange[];
export type Range = HistoryRange;

/** The charts' data: an answer's `ts` and its metric columns by name. */
export interface History {
  stepMs: number;
  ts: number[];
  series: Record<string, HistoryColumn>;
}

/** While loading another range, the charts keep the previous data (dimmed) rather than jumping away. */
export type HistoryState =
  | { status: 'loading'; previous: History | null }
  | { status: 'error'; message: string }
  | { status: 'ready'; data: History };

export const range = signal<Range>('1h');
export const history = signal<HistoryState>({ status: 'loading', previous: null });

let request = 0;
/** Metrics asked for per follow-up request: 32 columns of 1 500 points stay well under the server's 1.5 MB. */
const OMITTED_BATCH = 32;

/** The metric columns of a later answer (whose range may have moved on by a bucket) placed on `ts`. */
export function alignColumns(ts: readonly number[], answer: HistoryAnswer): History['series'] {
  const at = new Map(ts.map((t, i) => [t, i]));
  const out: History['series'] = {};
  for (const [key, value] of Object.entries(historyColumns(answer))) {
    const column = new Array<number | null>(ts.length).fill(null);
    answer.ts.forEach((t, j) => {
      const i = at.get(t);
      if (i !== undefined) column[i] = value[j] ?? null;
    });
    out[key] = column;
  }
  return out;
}

/** One history request: the answer, or the server's message as the error. */
async function fetchHistory(url: string): Promise<HistoryAnswer> {
  const res = await fetch(url);
  const body = (await res.json()) as HistoryAnswer | ErrorBody;
  if (!res.ok) throw new Error(typeof body.message === 'string' ? body.message : `HTTP ${res.status}`);
  return body as HistoryAnswer;
}
/** The node the history signal belongs to: another node's charts are never kept while loading. */
let shownNode = -1;

export async function loadHistory(nodeId: number, which: Range): Promise<void> {
  const mine = ++request;
  const shown = nodeId === shownNode ? history.value : null;
  shownNode = nodeId;
  history.value = {
    status: 'loading',
    previous: shown?.status === 'ready' ? shown.data : shown?.status === 'loading' ? shown.previous : null,
  };
  try {
    const body = await fetchHistory(`/api/nodes/${nodeId}/history?range=${which}`);
    if (mine !== request) return;
    const series = historyColumns(body);
    const { ts } = body;
    // An answer holds at most ~1.5 MB of columns and names the rest: fetch those by name, 32 at a time.
    const omitted = body.omitted ? body.omitted.split(',') : [];
    for (let i = 0; i < omitted.length; i += OMITTED_BATCH) {
      // A batch that fails leaves its charts empty rather than the whole page in error.
      const more = await fetchHistory(
        `/api/nodes/${nodeId}/history?range=${which}&metrics=${omitted.slice(i, i + OMITTED_BATCH).join(',')}`,
      ).catch(() => null);
      if (mine !== request) return;
      if (more) Object.assign(series, alignColumns(ts, more));
    }
    history.value = { status: 'ready', data: { stepMs: body.stepMs, ts, series } };
  } catch (err) {
    if (mine === request) history.value = { status: 'error', message: (err as Error).message };
  }
}

/**
 * Adds a live sample to 1h data: it fills the bucket its time falls in (a new point once it
 * passes the last one), and the oldest point drops off so the window keeps its width.
 */
export function appendLive(data: History, node: NodeView): History | null {
  if (node.lastSeen === null || data.ts.length === 0) return null;
  const last = data.ts[data.ts.length - 1]!;
  const bucket = last + Math.floor((node.lastSeen - last) / data.stepMs) * data.stepMs;
  if (bucket < last) return null;
  const ts = bucket === last ? data.ts : [...data.ts.slice(1), bucket];
  const series: History['series'] = {};
  const names = new Set([...Object.keys(data.series), ...Object.keys(node.values)]);
  for (const name of names) {
    const column = data.series[name] ?? new Array<number | null>(data.ts.length).fill(null);
    const value = node.values[name] ?? null;
    series[name] = bucket === last ? [...column.slice(0, -1), value] : [...column.slice(1), value];
  }
  return { stepMs: data.stepMs, ts, series };
}
