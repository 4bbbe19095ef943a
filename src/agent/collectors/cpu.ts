/**
 * @module CPU busy % from /proc/stat: the share of non-idle jiffies between two samples.
 */
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

/** The aggregate `cpu` line of /proc/stat. Guest time is already counted in user/nice, so it is left out of the total. */
export function parseProcStat(text: string): CpuTimes {
  const line = text.split('\n', 1)[0] ?? '';
  const fields = line.trim().split(/\s+/);
  if (fields[0] !== 'cpu') throw new Error('/proc/stat does not start with the cpu line');
  return cpuTimes(fields);
}

/** The per-core `cpuN` lines, by core number. */
export function parseCoreTimes(text: string): Map<string, CpuTimes> {
  const cores = new Map<string, CpuTimes>();
  for (const line of text.split('\n')) {
    if (!/^cpu\d/.test(line)) continue;
    const fields = line.trim().split(/\s+/);
    cores.set(fields[0]!.slice(3), cpuTimes(fields));
  }
  return cores;
}

function cpuTimes(fields: string[]): CpuTimes {
  const n = fields.slice(1, 9).map((f) => Number(f) || 0);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = n;
  return {
    total: user + nice + system + idle + iowait + irq + softirq + steal,
    idle: idle + iowait,
    user: user + nice,
    system: system + irq + softirq,
    iowait,
    steal,
  };
}

/** Boot time in Unix ms from /proc/stat's btime line. */
export function parseBootTime(text: string): number | null {
  const match = /^btime\s+(\d+)/m.exec(text);
  return match ? Number(match[1]) * 1000 : null;
}

export function cpuBusyPercent(prev: CpuTimes, cur: CpuTimes): number | null {
  const total = cur.total - prev.total;
  const idle = cur.idle - prev.idle;
  if (total <= 0 || idle < 0 || idle > total) return null;
  return Math.round(((total - idle) / total) * 1000) / 10;
}

/** Share of each kind of CPU time between two readings, in percent; null after a counter reset. */
export function cpuBreakdown(prev: CpuTimes, cur: CpuTimes): { cpuUser: number; cpuSystem: number; cpuIowait: number; cpuSteal: number } | null {
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

export function cpuCollector(stat: ProcFile): Collector {
  let prev: CpuTimes | null = null;
  let prevCores = new Map<string, CpuTimes>();
  return {
    name: 'cpu',
    collect(out) {
      const text = stat.read();
      const cur = parseProcStat(text);
      const busy = prev ? cpuBusyPercent(prev, cur) : null;
      const parts = prev ? cpuBreakdown(prev, cur) : null;
      prev = cur;
      if (busy !== null) out.cpu = busy;
      if (parts) Object.assign(out, parts);
      // A core taken offline disappears from /proc/stat; it comes back with no rate for one interval.
      const cores = parseCoreTimes(text);
      for (const [core, times] of cores) {
        const before = prevCores.get(core);
        const coreBusy = before ? cpuBusyPercent(before, times) : null;
        if (coreBusy !== null) out[`cpuCore.${core}`] = coreBusy;
      }
      prevCores = cores;
    },
  };
}
