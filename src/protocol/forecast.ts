/**
 * @module The forecasts' JSON: GET /api/nodes/:id/forecast (when each filesystem, memory, swap and
 * the traffic quota run out) and GET /api/forecasts (the soonest per node, for the overview's badges).
 */

export type ForecastMetric = 'disk' | 'memory' | 'swap' | 'traffic';

export const FORECAST_METRICS: readonly ForecastMetric[] = ['disk', 'memory', 'swap', 'traffic'];

/** Cards show a badge for forecasts sooner than this. */
export const FORECAST_SOON_MS = 30 * 86_400_000;

export interface ForecastItem {
  metric: ForecastMetric;
  /** The filesystem's mount point; absent for memory, swap, traffic, and a node that reports only its summed disk. */
  mount?: string;
  /** In use now (traffic: bytes this billing period). */
  usedBytes: number;
  /** Size (traffic: the quota). */
  capacityBytes: number;
  /** Central estimate of the moment it is full (Unix ms), or null: no date. */
  fullAt: number | null;
  /** Earliest and latest of the range. */
  low: number | null;
  high: number | null;
  /** Why there is no date (absent when there is one). */
  reason?: string;
}

export interface ForecastAnswer {
  nodeId: number;
  /** When these were worked out (Unix ms): at most ~10 minutes ago. */
  at: number;
  items: ForecastItem[];
}

/** GET /api/forecasts: per node id, its soonest forecast under FORECAST_SOON_MS; nodes with none are left out. */
export interface ForecastsSoon {
  soon: Record<string, ForecastItem>;
  /** Nodes not worked out yet (the server spreads the work): ask again in a few seconds. */
  pending: number;
}
