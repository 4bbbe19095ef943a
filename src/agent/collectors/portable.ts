/**
 * @module Collectors for platforms without /proc (macOS, BSD, Windows), from node:os alone.
 */
import os from 'node:os';
import type { Collector } from './collector';

export function portableCollectors(): Collector[] {
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
