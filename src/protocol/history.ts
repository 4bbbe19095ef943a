/**
 * @module GET /api/nodes/:id/history: the ranges it takes and the answer it gives, in columns
 * ready for uPlot. The server builds it (server/http/history.ts), the node page reads it.
 */

/** `range=` values and their spans in ms, in the order the page offers them. */
export const HISTORY_RANGES = {
  '1h': 3_600_000,
  '6h': 6 * 3_600_000,
  '24h': 24 * 3_600_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
  '1y': 365 * 86_400_000,
} as const;

export type HistoryRange = keyof typeof HISTORY_RANGES;

/** `stat=`: which value of each bucket a column holds. */
export const HISTORY_STATS = ['avg', 'min', 'max'] as const;
export type HistoryStat = (typeof HISTORY_STATS)[number];

/** The storage tier an answer was read from (raw samples, or 1-minute, 15-minute, 1-hour buckets). */
export type HistoryTier = 'raw' | '1m' | '15m' | '1h';

/** A metric's column: one value per `ts` entry, null where the node sent nothing. */
export type HistoryColumn = (number | null)[];

/**
 * The answer: bucket start times in `ts` and one column per metric under its own name
 * (`{ ts: […], cpu: […] }`), so the metric columns share the object with the fields below.
 */
export interface HistoryAnswer {
  from: number;
  to: number;
  stepMs: number;
  tier: HistoryTier;
  ts: number[];
  /** Metrics left out to keep the answer under its byte budget, comma-separated: ask for them with `metrics=`. */
  omitted?: string;
  [metric: string]: HistoryColumn | number | string | undefined;
}

/** The metric columns of an answer, by name (everything that is an array except `ts`). */
export function historyColumns(answer: HistoryAnswer): Record<string, HistoryColumn> {
  const out: Record<string, HistoryColumn> = {};
  for (const [key, value] of Object.entries(answer)) if (key !== 'ts' && Array.isArray(value)) out[key] = value;
  return out;
}
