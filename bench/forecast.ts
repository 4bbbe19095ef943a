/**
 * @module Backtest of src/forecast against Prometheus's predict_linear on synthetic series
 * (bench/forecast-cases.ts): error of the predicted time left at 3–14 days ahead, and 7-day alerts
 * on series that never fill. Last line: one JSON object.
 * Usage: npm run bench:forecast [-- --seeds 3]
 *        npm run bench:forecast -- --series FILE.csv --capacity C   (lines `unixMs,value`)
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseSeriesCsv } from '../src/forecast/csv';
import { forecastFull } from '../src/forecast/forecast';
import type { SeriesPoint } from '../src/forecast/hours';
import { ProbeError } from '../src/util/errors';
import type { Case } from './forecast-cases';
import { CAPACITY, DAY_MS, START, generate, hourly, shapes } from './forecast-cases';

const HORIZONS_DAYS = [3, 5, 7, 10, 14];
const ALERT_MS = 7 * DAY_MS;
/** A method's date for `c` seen from `origin`, and its range when it gives one. */
type Method = (c: Case, origin: number) => { at: number | null; low?: number | null; high?: number | null };

/** predict_linear(v[window], t) >= capacity, solved for t: least squares over the window's samples. */
export function predictLinear(samples: readonly SeriesPoint[], origin: number, windowMs: number, capacity: number): number | null {
  let n = 0,
    sx = 0,
    sy = 0,
    sxx = 0,
    sxy = 0;
  for (const s of samples) {
    if (s.ts > origin) break;
    if (s.ts <= origin - windowMs) continue;
    const x = (s.ts - origin) / 3_600_000;
    n++;
    sx += x;
    sy += s.value;
    sxx += x * x;
    sxy += x * s.value;
  }
  if (n < 2) return null;
  const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  const atOrigin = (sy - slope * sx) / n;
  if (atOrigin >= capacity) return origin;
  return slope > 0 ? Math.round(origin + ((capacity - atOrigin) / slope) * 3_600_000) : null;
}

const METHODS: Record<string, Method> = {
  ours: (c, origin) => {
    const f = forecastFull(hourly(c.samples, origin), CAPACITY, { now: origin });
    return { at: f.fullAt, low: f.low, high: f.high };
  },
  'predict_linear[24h]': (c, origin) => ({ at: predictLinear(c.samples, origin, DAY_MS, CAPACITY) }),
  'predict_linear[7d]': (c, origin) => ({ at: predictLinear(c.samples, origin, 7 * DAY_MS, CAPACITY) }),
};

interface Tally {
  errors: number[];
  falseAlerts: number;
  missedAlerts: number;
  inRange: number;
}

function backtest(seeds: number): { cases: number; tallies: Record<string, Tally> } {
  const tallies: Record<string, Tally> = Object.fromEntries(
    Object.keys(METHODS).map((m) => [m, { errors: [], falseAlerts: 0, missedAlerts: 0, inRange: 0 }]),
  );
  let cases = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    for (const shape of shapes(seed)) {
      const c = generate(shape, seed, shape.fills ? 46 : 35);
      cases++;
      const parts: string[] = [];
      for (const [name, method] of Object.entries(METHODS)) {
        const t = tallies[name]!;
        if (c.fills) {
          if (c.fullAt === null) throw new Error(`${c.name} #${seed} was meant to fill and did not`);
          const errs = HORIZONS_DAYS.map((h) => {
            const origin = c.fullAt! - h * DAY_MS;
            const { at, low, high } = method(c, origin);
            if (low != null && high != null && low <= c.fullAt! && c.fullAt! <= high) t.inRange++;
            if (h <= 5 && (at === null || at - origin > ALERT_MS)) t.missedAlerts++;
            return at === null ? 100 : (Math.abs(at - c.fullAt!) / (h * DAY_MS)) * 100;
          });
          t.errors.push(...errs);
          parts.push(`${name} ${errs.map((e) => e.toFixed(0).padStart(3)).join(' ')} %`);
        } else {
          let fired = 0,
            origins = 0;
          for (let origin = START + 28 * DAY_MS; origin <= START + 35 * DAY_MS; origin += DAY_MS / 4, origins++) {
            const { at } = method(c, origin);
            if (at !== null && at - origin <= ALERT_MS) fired++;
          }
          if (fired > 0) t.falseAlerts++;
          parts.push(`${name} ${fired}/${origins} alerts`);
        }
      }
      console.log(`${`${c.name} #${seed}`.padEnd(26)} ${parts.join(' | ')}`);
    }
  }
  return { cases, tallies };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function cpuModel(): string {
  try {
    return /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function runBacktest(seeds: number): void {
  console.log(`time left error at ${HORIZONS_DAYS.join(', ')} days ahead (filling series); 7-day alerts every 6 h over a week (flat ones)`);
  const t0 = process.hrtime.bigint();
  const { cases, tallies } = backtest(seeds);
  const summary = (t: Tally) => ({
    medianAbsErrorPct: +median(t.errors).toFixed(1),
    falseAlerts: t.falseAlerts,
    missedAlerts: t.missedAlerts,
  });
  const { ours, ...baselines } = tallies;
  const inRangePct = +((ours!.inRange / ours!.errors.length) * 100).toFixed(0);
  console.log('missedAlerts: forecasts 3 and 5 days before a disk fills that would not raise a 7-day alert');
  console.log('inRangePct: forecasts whose low–high range held the true moment');
  console.log(
    JSON.stringify({
      cases,
      horizonsDays: HORIZONS_DAYS,
      ...summary(ours!),
      inRangePct,
      baselines: Object.fromEntries(Object.entries(baselines).map(([name, t]) => [name, summary(t)])),
      seconds: +(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1),
      cpu: cpuModel(),
    }),
  );
}

function runSeries(file: string, capacityText: string | undefined): void {
  const capacity = Number(capacityText);
  if (capacityText === undefined || !(capacity > 0) || !Number.isFinite(capacity)) {
    throw new ProbeError(
      'PROBE_ERR_CONFIG',
      `"--capacity" must be a positive number in the series' unit (got ${capacityText ?? 'nothing'})`,
    );
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ProbeError('PROBE_ERR_CONFIG', `cannot read "--series" ${file}: ${(err as Error).message}`);
  }
  const f = forecastFull(parseSeriesCsv(text, file, 'PROBE_ERR_CONFIG'), capacity);
  console.log(JSON.stringify({ fullAt: f.fullAt, low: f.low, high: f.high, ...(f.reason ? { reason: f.reason } : {}) }));
}

const { values: args } = parseArgs({
  options: { series: { type: 'string' }, capacity: { type: 'string' }, seeds: { type: 'string', default: '3' } },
});
try {
  if (args.series !== undefined) runSeries(args.series, args.capacity);
  else runBacktest(Math.max(1, Number(args.seeds) || 3));
} catch (err) {
  if (!(err instanceof ProbeError)) throw err;
  console.error(`${err.code}: ${err.message}`);
  process.exitCode = 2;
}
