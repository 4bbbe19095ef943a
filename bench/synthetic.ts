/**
 * @module Realistic synthetic metric streams for benchmarks: random walks with the precision and
 * shape of what the agent reports (cpu to 0.1 %, memory in 4 KiB pages, integer byte rates…).
 */
import type { MetricValues } from '../src/protocol/metrics';

/** A small deterministic PRNG, so runs are comparable. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

export function metricStream(seed: number): () => MetricValues {
  const r = rng(seed);
  let cpu = 10 + r() * 30;
  let mem = 1.5e9 + r() * 2e9;
  let disk = 20e9 + r() * 10e9;
  let load = 0.5;
  let uptime = Math.floor(r() * 1e7);
  let procs = 120 + Math.floor(r() * 80);
  const memTotal = 8 * 1024 ** 3;
  return () => {
    cpu = Math.min(100, Math.max(0, cpu + (r() - 0.5) * 6));
    mem = Math.min(memTotal * 0.95, Math.max(2e8, mem + Math.round((r() - 0.5) * 512) * 4096));
    disk += r() < 0.3 ? Math.floor(r() * 64) * 4096 : 0;
    load = Math.max(0, load * 0.98 + (cpu / 100) * 0.04 * 4);
    uptime += 1;
    if (r() < 0.1) procs += r() < 0.5 ? -1 : 1;
    const rx = Math.floor(Math.exp(8 + r() * 4));
    return {
      cpu: Math.round(cpu * 10) / 10,
      memUsedBytes: mem,
      memTotalBytes: memTotal,
      swapUsedBytes: 0,
      swapTotalBytes: 2 * 1024 ** 3,
      diskUsedBytes: disk,
      diskTotalBytes: 160e9,
      netRxBytesPerSec: rx,
      netTxBytesPerSec: Math.floor(rx * (0.2 + r() * 0.6)),
      load1: Math.round(load * 100) / 100,
      load5: Math.round(load * 0.9 * 100) / 100,
      load15: Math.round(load * 0.8 * 100) / 100,
      uptimeSec: uptime,
      processes: procs,
    };
  };
}
