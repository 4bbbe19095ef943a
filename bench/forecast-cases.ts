/**
 * @module Synthetic usage series for the forecast backtest (bench/forecast.ts) and its tests: the
 * shapes real disks and memory take, as 5-minute samples from a seeded RNG, with the true moment
 * each one first reaches its capacity.
 */
import type { SeriesPoint } from '../src/forecast/hours';
import { rng } from './synthetic';

export const DAY_MS = 86_400_000;
export const STEP_MS = 300_000;
/** A Monday, 00:00 UTC: weekly shapes start at the week's start. */
export const START = Date.UTC(2026, 0, 5);
export const CAPACITY = 500e9;

export interface Shape {
  name: string;
  /** True when the series reaches capacity within the simulated span. */
  fills: boolean;
  /** Usage in % of capacity at `t` days, given the case's random draws (noise is added apart). */
  level(t: number): number;
  /** Standard deviation of the sample noise, in %. */
  noise: number;
  /** Fraction of time the agent is offline (in outages of 2–30 h). */
  gaps?: number;
}

export interface Case {
  name: string;
  seed: number;
  fills: boolean;
  samples: SeriesPoint[];
  /** The first sample at or above capacity; null if none within the span. */
  fullAt: number | null;
}

const frac = (x: number) => x - Math.floor(x);

/** The suite's shapes for one seed; F is the day the growing ones fill (about). */
export function shapes(seed: number): Shape[] {
  const r = rng(seed * 7919);
  const between = (a: number, b: number) => a + (b - a) * r();
  const F = between(36, 44);
  const g = between(0.8, 1.6);
  const weekA = between(2, 5);
  const phase = between(0, 2 * Math.PI);
  const rot = between(4, 8);
  const cut = between(15, 25);
  const step = between(10, 20);
  const flat = between(60, 85);
  // Growth in one burst a day at a random hour (a nightly backup kept, a batch of uploads).
  const bursts: number[] = [0];
  for (let d = 0; d < 60; d++) bursts.push(bursts[d]! + g * between(0.2, 1.8));
  const burstHour = Array.from({ length: 60 }, () => r());
  const burst = (t: number) =>
    bursts[Math.floor(t)]! + (frac(t) >= burstHour[Math.floor(t)]! ? bursts[Math.floor(t) + 1]! - bursts[Math.floor(t)]! : 0);
  const workday = (t: number) => (frac(t / 7) < 5 / 7 && frac(t) > 8 / 24 && frac(t) < 20 / 24 ? 1 : 0);
  return [
    { name: 'linear', fills: true, noise: 0.2, level: (t) => 100 - g * (F - t) },
    {
      name: 'weekly+trend',
      fills: true,
      noise: 0.2,
      level: (t) => 100 - weekA - g * (F - t) + weekA * Math.sin((2 * Math.PI * t) / 7 + phase),
    },
    { name: 'rotation+trend', fills: true, noise: 0.2, level: (t) => 100 - rot - g * (F - t) + rot * frac(t - 3 / 24) },
    { name: 'cleanups+trend', fills: true, noise: 0.2, level: (t) => 100 - 2 * g * (F - t) + (t < 12 ? cut : 0) + (t < F - 18 ? cut : 0) },
    { name: 'bursts+trend', fills: true, noise: 0.1, level: (t) => 100 - burst(F) + burst(t) },
    { name: 'workweek+trend', fills: true, noise: 0.2, level: (t) => 100 - weekA - g * (F - t) + weekA * workday(t) },
    { name: 'gaps+trend', fills: true, noise: 0.2, gaps: 0.25, level: (t) => 100 - g * (F - t) },
    { name: 'jump+trend', fills: true, noise: 0.2, level: (t) => 100 - g * (F - t) - (t < F - 20 ? step : 0) },
    { name: 'noisy+daily+trend', fills: true, noise: 1, level: (t) => 96 - 1.5 * g * (F - t) + 3 * Math.sin(2 * Math.PI * t) },
    // Flat until a runaway log starts filling 16 days before the disk is full.
    { name: 'runaway', fills: true, noise: 0.2, level: (t) => (t < F - 16 ? 40 : 100 - (60 / 16) * (F - t)) },
    { name: 'flat noisy', fills: false, noise: 1, level: () => flat },
    { name: 'flat+gaps', fills: false, noise: 0.5, gaps: 0.3, level: () => flat },
    { name: 'slow growth', fills: false, noise: 0.2, level: (t) => 55 + 0.08 * g * t },
    { name: 'weekly, no trend', fills: false, noise: 0.3, level: (t) => 80 + 8 * Math.sin((2 * Math.PI * t) / 7 + phase) },
    { name: 'rotation, no trend', fills: false, noise: 0.2, level: (t) => 75 + 15 * frac(t - 3 / 24) },
    { name: 'grew, cleaned, flat', fills: false, noise: 0.2, level: (t) => (t < 27 ? 30 + 1.2 * g * t : 45) },
    { name: 'jump, then flat', fills: false, noise: 0.2, level: (t) => (t < 30 ? flat - 10 : flat + 10) },
    {
      name: 'near full, wandering',
      fills: false,
      noise: 0.3,
      level: (t) => 92 + 1.5 * Math.sin((2 * Math.PI * t) / 3.3 + phase) + 0.8 * Math.sin((2 * Math.PI * t) / 1.7),
    },
  ];
}

/** Outage intervals covering about `fraction` of [0, days), in outages of 2–30 h. */
function outages(r: () => number, days: number, fraction: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let t = 1;
  while (t < days) {
    const len = (2 + 28 * r()) / 24;
    const start = t + (len / fraction - len) * 2 * r();
    out.push([start, start + len]);
    t = start + len;
  }
  return out;
}

/** Samples every 5 minutes over `days`, noise and outages from `seed`. */
export function generate(shape: Shape, seed: number, days: number): Case {
  const r = rng(seed * 104_729 + shape.name.length);
  const gaps = shape.gaps ? outages(r, days, shape.gaps) : [];
  const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const samples: SeriesPoint[] = [];
  let fullAt: number | null = null;
  for (let ts = START; ts < START + days * DAY_MS; ts += STEP_MS) {
    const t = (ts - START) / DAY_MS;
    const pct = Math.min(100, shape.level(t) + shape.noise * gauss());
    const value = (pct / 100) * CAPACITY;
    if (fullAt === null && value >= CAPACITY) fullAt = ts;
    if (!gaps.some(([a, b]) => t >= a && t < b)) samples.push({ ts, value });
  }
  return { name: shape.name, seed, fills: shape.fills, samples, fullAt };
}

/** Hourly rollups (avg, max) of the samples before `until`, closed hours only, as the store keeps them. */
export function hourly(samples: readonly SeriesPoint[], until: number): SeriesPoint[] {
  const hours = new Map<number, { sum: number; n: number; max: number }>();
  const lastHour = Math.floor(until / 3_600_000) * 3_600_000;
  for (const s of samples) {
    if (s.ts >= lastHour) break;
    const h = Math.floor(s.ts / 3_600_000) * 3_600_000;
    const a = hours.get(h);
    if (a) {
      a.sum += s.value;
      a.n++;
      a.max = Math.max(a.max, s.value);
    } else hours.set(h, { sum: s.value, n: 1, max: s.value });
  }
  return [...hours].map(([ts, a]) => ({ ts, value: a.sum / a.n, max: a.max }));
}
