/**
 * @module `forecast` rules: a filesystem (any, or the one at `mount`), memory, swap or the traffic
 * quota is forecast to run out within `within` (7 days by default). Fires once with the date;
 * resolves when the forecast moves past the window or has no date any more.
 */
import type { ForecastItem, ForecastMetric } from '../../protocol/forecast';
import { FORECAST_METRICS } from '../../protocol/forecast';
import type { AlertKind, RuleBase } from './kind';

export interface ForecastRule extends RuleBase {
  kind: 'forecast';
  metric: ForecastMetric;
  /** Only this filesystem (metric "disk"); null: whichever fills first. */
  mount: string | null;
  withinMs: number;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** "/", "memory", "traffic quota": what the message names. */
export function forecastSubject(item: Pick<ForecastItem, 'metric' | 'mount'>): string {
  if (item.metric === 'disk') return item.mount ?? 'disk';
  return item.metric === 'traffic' ? 'traffic quota' : item.metric;
}

/** "/ full in ~6 days, about 2026-12-04", or why there is no date. */
export function forecastText(item: ForecastItem, now: number): string {
  const subject = forecastSubject(item);
  const verb = item.metric === 'traffic' ? 'runs out' : 'full';
  if (item.fullAt === null) return `${subject}: no date (${item.reason ?? 'no trend'})`;
  const left = item.fullAt - now;
  if (left <= 0) return `${subject} ${item.metric === 'traffic' ? 'used up' : 'full'} now`;
  const about = left < 2 * DAY_MS ? `~${Math.max(1, Math.round(left / HOUR_MS))} h` : `~${Math.round(left / DAY_MS)} days`;
  return `${subject} ${verb} in ${about}, about ${new Date(item.fullAt).toISOString().slice(0, 10)}`;
}

export const forecastKind: AlertKind<ForecastRule> = {
  names: ['forecast'],
  on: 'timer',
  parse({ key, raw, base, f }) {
    const metric = f.oneOf(raw.metric, `${key}.metric`, FORECAST_METRICS, 'disk');
    const mount = f.optionalText(raw.mount, `${key}.mount`, 64) ?? null;
    if (mount !== null && metric !== 'disk')
      throw f.bad(`${key}.mount`, `names a filesystem, so "metric" must be "disk", got ${JSON.stringify(metric)}`);
    const withinMs = f.duration(raw.within, `${key}.within`, 7 * DAY_MS);
    if (withinMs <= 0) throw f.bad(`${key}.within`, 'must be a duration such as "7d"');
    return [{ ...base, kind: 'forecast', metric, mount, withinMs }];
  },
  evaluate(rule, { now, forecasts }) {
    const items = forecasts?.()?.filter((i) => i.metric === rule.metric && (rule.mount === null || i.mount === rule.mount));
    // Not worked out yet, or nothing of the kind on this node (no swap, no quota, no such mount).
    if (!items || items.length === 0) return null;
    let first: ForecastItem | null = null;
    for (const i of items) if (i.fullAt !== null && (first === null || i.fullAt < first.fullAt!)) first = i;
    const holds = first !== null && first.fullAt! - now <= rule.withinMs;
    const shown = first ?? items[0]!;
    return {
      holds,
      recovered: !holds,
      value: first ? Math.round(((first.fullAt! - now) / DAY_MS) * 10) / 10 : null,
      detail: forecastText(shown, now),
    };
  },
  describe: (rule, _value, _firing, detail) => ({
    what: detail ?? `${rule.metric} forecast to run out within ${Math.round(rule.withinMs / DAY_MS)} days`,
    resolved: `forecast past ${Math.round(rule.withinMs / DAY_MS)} days now: ${detail ?? 'no date'}`,
  }),
  metric: (rule) => (rule.metric === 'disk' && rule.mount ? `diskUsedBytes.${rule.mount}` : rule.metric),
};
