/**
 * @module CPU busy % from /proc/stat: the share of non-idle jiffies between two samples, for the
 * whole machine and for each core.
 */
import { ByteCursor } from './byte-cursor';
import type { Collector } from './collector';
import type { ProcFile } from './proc-file';

export interface CpuTimes {
  total: number;
  /** idle + iowait: time the CPU had nothing to run. */
  idle: number;
  user: number;
  system: number;
  iowait: number;
  steal: number;
}

/** user nice system idle iowait irq softirq steal: the fields that count (guest time is already in user/nice). */
const FIELDS = 8;
/** Beyond any machine Linux runs on; a larger number is not a core line. */
const MAX_CORE = 65_535;

/** Reads the eight counters after a `cpu`/`cpuN` label into `into` (0 for a missing or unreadable one). */
function readCounters(c: ByteCursor, into: Float64Array): void {
  for (let i = 0; i < FIELDS; i++) into[i] = c.number() || 0;
  c.nextLine();
}

const sum = (n: Float64Array) => n[0]! + n[1]! + n[2]! + n[3]! + n[4]! + n[5]! + n[6]! + n[7]!;

function cpuTimes(n: Float64Array): CpuTimes {
  return { total: sum(n), idle: n[3]! + n[4]!, user: n[0]! + n[1]!, system: n[2]! + n[5]! + n[6]!, iowait: n[4]!, steal: n[7]! };
}

/** The aggregate `cpu` line of /proc/stat. */
export function parseProcStat(text: string): CpuTimes {
  const c = ByteCursor.of(text);
  if (!c.startsWith('cpu ')) throw new Error('/proc/stat does not start with the cpu line');
  c.pos += 3;
  const n = new Float64Array(FIELDS);
  readCounters(c, n);
  return cpuTimes(n);
}

/** Boot time in Unix ms from /proc/stat's btime line. */
export function parseBootTime(text: string): number | null {
  const match = /^btime\s+(\d+)/m.exec(text);
  return match ? Number(match[1]) * 1000 : null;
}

export function cpuBusyPercent(prev: CpuTimes, cur: CpuTimes): number | null {
  return busyPercent(cur.total - prev.total, cur.idle - prev.idle);
}

function busyPercent(total: number, idle: number): number | null {
  if (total <= 0 || idle < 0 || idle > total) return null;
  return Math.round(((total - idle) / total) * 1000) / 10;
}

/** Share of each kind of CPU time between two readings, in percent; null after a counter reset. */
export function cpuBreakdown(
  prev: CpuTimes,
  cur: CpuTimes,
): { cpuUser: number; cpuSystem: number; cpuIowait: number; cpuSteal: number } | null {
  const total = cur.total - prev.total;
  if (total <= 0) return null;
  const share = (key: 'user' | 'system' | 'iowait' | 'steal') => {
    const d = cur[key] - prev[key];
    return d < 0 ? null : Math.round((d / total) * 1000) / 10;
  };
  const [cpuUser, cpuSystem, cpuIowait, cpuSteal] = [share('user'), share('system'), share('iowait'), share('steal')];
  if (cpuUser === null || cpuSystem === null || cpuIowait === null || cpuSteal === null) return null;
  return { cpuUser, cpuSystem, cpuIowait, cpuSteal };
}

/**
 * Each core's previous total and idle jiffies by core number, and the reading it was last seen in:
 * a core taken offline disappears from /proc/stat and comes back with no rate for one interval.
 */
class Cores {
  total = new Float64Array(0);
  idle = new Float64Array(0);
  seen = new Int32Array(0);
  names: string[] = [];

  grow(core: number): void {
    if (core < this.seen.length) return;
    const size = Math.max(core + 1, this.seen.length * 2);
    const copy = <T extends Float64Array | Int32Array>(a: T, b: T) => (b.set(a), b);
    this.total = copy(this.total, new Float64Array(size));
    this.idle = copy(this.idle, new Float64Array(size));
    this.seen = copy(this.seen, new Int32Array(size));
    for (let i = this.names.length; i < size; i++) this.names.push(`cpuCore.${i}`);
  }
}

export function cpuCollector(stat: ProcFile): Collector {
  let prev: CpuTimes | null = null;
  const cores = new Cores();
  const n = new Float64Array(FIELDS);
  /** Readings taken, so `cores.seen` tells whether a core was in the previous one. */
  let reading = 0;
  return {
    name: 'cpu',
    collect(out) {
      const c = stat.cursor();
      if (!c.startsWith('cpu ')) throw new Error('/proc/stat does not start with the cpu line');
      c.pos += 3;
      readCounters(c, n);
      const cur = cpuTimes(n);
      const busy = prev ? cpuBusyPercent(prev, cur) : null;
      const parts = prev ? cpuBreakdown(prev, cur) : null;
      prev = cur;
      if (busy !== null) out.cpu = busy;
      if (parts) Object.assign(out, parts);
      reading++;
      // The cpuN lines follow the aggregate one; nothing after them (the long intr line) is read.
      while (c.startsWith('cpu')) {
        c.pos += 3;
        const core = c.number();
        if (!Number.isInteger(core) || core > MAX_CORE) break;
        readCounters(c, n);
        cores.grow(core);
        const total = sum(n);
        const idle = n[3]! + n[4]!;
        if (cores.seen[core] === reading - 1 && reading > 1) {
          const coreBusy = busyPercent(total - cores.total[core]!, idle - cores.idle[core]!);
          if (coreBusy !== null) out[cores.names[core]!] = coreBusy;
        }
        cores.total[core] = total;
        cores.idle[core] = idle;
        cores.seen[core] = reading;
      }
    },
  };
}
