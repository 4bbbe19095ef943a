/**
 * @module Realistic synthetic metric streams for benchmarks: the metric set the real agent sends
 * from a typical 2-core VPS with one network interface and one filesystem (39 values: the agent
 * sent exactly these names on this machine), as random walks with the agent's precision and
 * shape: cpu to 0.1 %, memory in 4 KiB pages, integer byte and packet rates, counters that only grow.
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

const round1 = (x: number) => Math.round(x * 10) / 10;
const round2 = (x: number) => Math.round(x * 100) / 100;

export function metricStream(seed: number): () => MetricValues {
  const r = rng(seed);
  const memTotal = 8 * 1024 ** 3;
  const diskTotal = 160e9;
  let cpu = 10 + r() * 30;
  // Whole 4 KiB pages and bytes, as the agent reads them (a fraction here made 17-digit values no agent sends).
  let mem = Math.floor((1.5e9 + r() * 2e9) / 4096) * 4096;
  let cache = Math.floor((1e9 + r() * 2e9) / 4096) * 4096;
  let disk = Math.floor(20e9 + r() * 10e9);
  let load = 0.5;
  let uptime = Math.floor(r() * 1e7);
  let procs = 120 + Math.floor(r() * 80);
  let threads = procs * 2 + Math.floor(r() * 100);
  let tcp = 20 + Math.floor(r() * 200);
  let rxTotal = Math.floor(r() * 1e12);
  let txTotal = Math.floor(r() * 3e11);
  return () => {
    cpu = Math.min(100, Math.max(0, cpu + (r() - 0.5) * 6));
    const steal = r() < 0.2 ? round1(r() * 2) : 0;
    const iowait = r() < 0.3 ? round1(r() * 3) : 0;
    const system = round1(cpu * (0.15 + r() * 0.1));
    const user = Math.max(0, round1(cpu - system - iowait - steal));
    const core0 = Math.min(100, Math.max(0, round1(cpu + (r() - 0.5) * 20)));
    mem = Math.min(memTotal * 0.95, Math.max(2e8, mem + Math.round((r() - 0.5) * 512) * 4096));
    cache = Math.min(memTotal - mem, Math.max(1e8, cache + Math.round((r() - 0.45) * 64) * 4096));
    const written = r() < 0.3 ? Math.floor(r() * 64) * 4096 : 0;
    disk += written;
    load = Math.max(0, load * 0.98 + (cpu / 100) * 0.04 * 4);
    uptime += 1;
    if (r() < 0.1) procs += r() < 0.5 ? -1 : 1;
    if (r() < 0.2) threads += Math.floor((r() - 0.5) * 6);
    if (r() < 0.3) tcp = Math.max(0, tcp + Math.floor((r() - 0.5) * 6));
    const rx = Math.floor(Math.exp(8 + r() * 4));
    const tx = Math.floor(rx * (0.2 + r() * 0.6));
    rxTotal += rx;
    txTotal += tx;
    const rxPackets = Math.floor(rx / (200 + r() * 1200));
    const txPackets = Math.floor(tx / (100 + r() * 600));
    const read = r() < 0.1 ? Math.floor(r() * 256) * 4096 : 0;
    const writeRate = written + (r() < 0.5 ? Math.floor(r() * 32) * 4096 : 0);
    return {
      cpu: round1(cpu),
      cpuUser: user,
      cpuSystem: system,
      cpuIowait: iowait,
      cpuSteal: steal,
      'cpuCore.0': core0,
      'cpuCore.1': Math.min(100, Math.max(0, round1(2 * cpu - core0))),
      memTotalBytes: memTotal,
      memUsedBytes: mem,
      memAvailableBytes: memTotal - mem,
      memBuffersCacheBytes: cache,
      swapTotalBytes: 2 * 1024 ** 3,
      swapUsedBytes: 0,
      'diskUsedBytes./': disk,
      'diskTotalBytes./': diskTotal,
      diskUsedBytes: disk,
      diskTotalBytes: diskTotal,
      diskReadBytesPerSec: read,
      diskWriteBytesPerSec: writeRate,
      diskReadOpsPerSec: read ? Math.ceil(read / 65536) : 0,
      diskWriteOpsPerSec: writeRate ? Math.ceil(writeRate / 16384) : 0,
      netRxBytesTotal: rxTotal,
      netTxBytesTotal: txTotal,
      'netRxBytesPerSec.eth0': rx,
      'netTxBytesPerSec.eth0': tx,
      'netRxPacketsPerSec.eth0': rxPackets,
      'netTxPacketsPerSec.eth0': txPackets,
      netRxBytesPerSec: rx,
      netTxBytesPerSec: tx,
      netRxPacketsPerSec: rxPackets,
      netTxPacketsPerSec: txPackets,
      tcpConnections: tcp,
      udpSockets: 4,
      load1: round2(load),
      load5: round2(load * 0.9),
      load15: round2(load * 0.8),
      threads,
      uptimeSec: uptime,
      processes: procs,
    };
  };
}
