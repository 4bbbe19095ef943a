/**
 * @module CPU time and RSS of another process, from /proc (Linux).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { sleep } from './children';

const TICKS_PER_SECOND = 100;

/** User + system CPU seconds the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** User + system CPU seconds of one thread of `pid` (`tid` as the kernel numbers it), or null if it is gone. */
export function threadCpuSeconds(pid: number, tid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * Seconds one thread of `pid` has run on a core and waited in a run queue for one (ready, not
 * running: the machine's other work or its own other threads held every core), from the kernel's
 * schedstat (ns), or null if the thread is gone or the kernel keeps no schedstat.
 */
export function threadSchedSeconds(pid: number, tid: number): { running: number; waiting: number } | null {
  try {
    const [running, waiting] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
    return { running: running! / 1e9, waiting: waiting! / 1e9 };
  } catch {
    return null;
  }
}

/** Seconds the whole machine's cores have been stolen by the hypervisor so far (/proc/stat's steal, summed over cores). */
export function stealSeconds(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/);
  return Number(cpu[8] ?? 0) / TICKS_PER_SECOND;
}

/** CPU seconds of each thread of `pid` now, by thread id (threads that end between listing and reading are left out). */
export function threadsCpuSeconds(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    const cpu = threadCpuSeconds(pid, Number(tid));
    if (cpu !== null) out.set(Number(tid), cpu);
  }
  return out;
}

/** User + system CPU seconds of the process's children that have exited and been waited for. */
export function reapedChildrenCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND;
}

export function rssMB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/**
 * RSS split into private memory (RssAnon: heap, stacks) and mapped file pages (RssFile: the
 * executable's code and data), and how much of the latter is mapped in 2 MB units (FilePmdMapped:
 * the file sat in the page cache in large folios). File pages are clean and reclaimable; how many
 * of them count depends on the page cache (a binary fully in cache is mapped in larger runs on
 * each fault).
 */
export function rssSplitMB(pid: number): { anon: number; file: number; filePmd: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (text: string, key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(text)?.[1] ?? NaN) / 1024;
  let filePmd = NaN;
  try {
    filePmd = kb(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'), 'FilePmdMapped');
  } catch {
    // smaps_rollup needs Linux 4.14 and the right to read the process's maps.
  }
  return { anon: kb(status, 'RssAnon'), file: kb(status, 'RssFile'), filePmd };
}

/** 4 KB pages a process touched in a stretch of time, split into its private memory and mapped files. */
export interface PagesTouched {
  /** Anonymous memory: the JavaScript heap, malloc's heap, stacks. */
  anon: number;
  /** Pages of mapped files: the executable's code and data, shared libraries. */
  file: number;
}

/**
 * Clears the "referenced" bits of `pid`'s pages (`/proc/<pid>/clear_refs`, which needs the right to
 * trace the process: the same user, or root). Read them with `pagesReferenced` after a while.
 * Clearing them costs the process its next touch of each page on some VMs: never do it while its
 * CPU is measured.
 */
export function clearReferenced(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '1');
}

/**
 * Pages `pid` touched since `clearReferenced`, from the Referenced lines of /proc/<pid>/smaps,
 * counted as 4 KB pages. (A file page another process touched counts too: the mark is on the page.)
 */
export function pagesReferenced(pid: number): PagesTouched {
  const out = { anon: 0, file: 0 };
  let file = false;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'latin1').split('\n')) {
    const range = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ (\d+)\s*(.*)$/.exec(line);
    if (range) file = range[1] !== '0' && range[2]!.startsWith('/');
    else if (line.startsWith('Referenced:')) out[file ? 'file' : 'anon'] += Number(line.slice(11).trim().split(' ')[0]) / 4;
  }
  return out;
}

/**
 * `read(pid)`, or null once the process is gone (it counts what it touched while it lived); any
 * other failure (no right to trace it) is the bench's.
 */
function unlessGone<T>(pid: number, read: (pid: number) => T): T | null {
  try {
    return read(pid);
  } catch (err) {
    if (existsSync(`/proc/${pid}`)) throw err;
    return null;
  }
}

/**
 * The 4 KB pages each process touched per second, over `seconds` one-second reads. On a VM whose
 * host ages the guest's memory, each of those pages costs the process a fresh mapping once a
 * second: on such a machine this, more than the instructions run, is what waking up costs, and it
 * does not move with the machine's neighbours as CPU time does.
 */
export async function pagesPerSecond(pids: Record<string, number | undefined>, seconds: number): Promise<Record<string, PagesTouched>> {
  const sums: Record<string, PagesTouched> = {};
  for (const name in pids) if (pids[name] !== undefined) sums[name] = { anon: 0, file: 0 };
  for (let i = 0; i < seconds; i++) {
    for (const name in sums) unlessGone(pids[name]!, clearReferenced);
    await sleep(1000);
    for (const name in sums) {
      const p = unlessGone(pids[name]!, pagesReferenced);
      if (!p) continue;
      sums[name]!.anon += p.anon / seconds;
      sums[name]!.file += p.file / seconds;
    }
  }
  for (const name in sums) sums[name] = { anon: Math.round(sums[name]!.anon), file: Math.round(sums[name]!.file) };
  return sums;
}

/** The load average (1, 5, 15 min) as printed beside a benchmark's figures: other work on the machine moves them. */
export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

/** The CPU model as /proc/cpuinfo names it (else as Node does), printed with every benchmark's results. */
export function cpuModel(): string {
  return (
    /^model name\s*:\s*(.*)$/m.exec(existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '')?.[1] ??
    os.cpus()[0]?.model ??
    'unknown'
  );
}
