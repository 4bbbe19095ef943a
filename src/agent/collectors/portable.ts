/**
 * @module Collectors for platforms without /proc (macOS, BSD, Windows): cpu, memory, load and uptime
 * from node:os, disk and network from systeminformation, refreshed in the background.
 */
import os from 'node:os';
import type { Collector } from './collector';
import { portableDiskCollector } from './portable-disk';
import { portableNetworkCollector } from './portable-network';
import { systemInformation } from './system-information';
import type { PortableSources } from './system-information';

/**
 * `sources` and `now` (a monotonic clock in ms) are parameters so tests can run these collectors
 * on Linux, or with stand-in calls and a clock of their own.
 */
export function portableCollectors(
  sources: PortableSources = systemInformation(),
  now: () => number = () => performance.now(),
): Collector[] {
  let prev: { total: number; idle: number } | null = null;
  return [
    {
      name: 'cpu',
      collect(out) {
        let total = 0;
        let idle = 0;
        for (const c of os.cpus()) {
          total += c.times.user + c.times.nice + c.times.sys + c.times.idle + c.times.irq;
          idle += c.times.idle;
        }
        if (prev && total > prev.total) out.cpu = Math.round((1 - (idle - prev.idle) / (total - prev.total)) * 1000) / 10;
        prev = { total, idle };
      },
    },
    {
      name: 'memory',
      collect(out) {
        out.memTotalBytes = os.totalmem();
        out.memUsedBytes = os.totalmem() - os.freemem();
      },
    },
    portableDiskCollector(() => sources.fsSize(), now),
    portableNetworkCollector(sources, now),
    {
      name: 'load',
      collect(out) {
        const [l1, l5, l15] = os.loadavg();
        Object.assign(out, { load1: l1, load5: l5, load15: l15 });
      },
    },
    {
      name: 'uptime',
      collect(out) {
        out.uptimeSec = Math.floor(os.uptime());
      },
    },
  ];
}
