/**
 * What one sample's collection costs when the agent wakes from idle, against the same work done
 * again at once: how "cold" this machine leaves a process that runs once a second. On a VM whose
 * caches and TLBs other work takes over while the agent sleeps, the agent's CPU per sample
 * (bench:agent) can be several times what the same code costs warm, whatever the code does; this
 * tells such a machine from slow code. Runs the Linux collectors the agent runs (from source, with
 * the agent's `--no-turbofan`), after idle gaps of 10 ms, 100 ms and 1 s: each round collects
 * once after the gap ("after idle") and once more at once ("again"), and counts the process's CPU
 * (getrusage, µs) and the wall time of each. Then the same for memory alone: µs per 4 KB page
 * read after 1 s of idle and again at once. Prints the CPU model; the last line is JSON.
 * Usage: npm run bench:agent-wake [-- --rounds 30]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { collectAll, platformCollectors } from '../src/agent/collectors/index';
import { cpuModel as cpuModelOf, loadAverage } from './proc-stats';

setFlagsFromString('--no-turbofan');
const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '30' } } });
const rounds = Number(args.rounds);
if (process.platform !== 'linux') throw new Error('reads /proc: run it on Linux');
const GAPS_MS = [10, 100, 1000];
/** Rounds before these, not counted: the first compile and the collectors' first readings. */
const WARMUP_ROUNDS = 5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stderr.write(`${line}\n`);

/**
 * The process's CPU time in ms. getrusage, not /proc/thread-self/schedstat: schedstat shows a
 * running thread's time as of its last tick or switch, too coarse for sub-ms work (it read 0 for
 * a collection that took 0.15 ms).
 */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

interface Cost {
  cpuMs: number;
  wallMs: number;
}

const collectors = platformCollectors();
const failed = new Set<string>();
const start = performance.now();
function collectOnce(): Cost {
  const cpu = cpuMs();
  const wall = performance.now();
  collectAll(collectors, wall - start, failed);
  return { wallMs: performance.now() - wall, cpuMs: cpuMs() - cpu };
}

function mean(costs: Cost[]): Cost {
  const r = (x: number) => Math.round((x / costs.length) * 1000) / 1000;
  return { cpuMs: r(costs.reduce((s, c) => s + c.cpuMs, 0)), wallMs: r(costs.reduce((s, c) => s + c.wallMs, 0)) };
}

const cpuModel = cpuModelOf();
log(`CPU: ${cpuModel}, ${os.cpus().length} cores; load average ${loadAverage()}`);
const results: Record<string, { afterIdle: Cost; again: Cost; ratio: number }> = {};
for (const gap of GAPS_MS) {
  const afterIdle: Cost[] = [];
  const again: Cost[] = [];
  for (let i = 0; i < WARMUP_ROUNDS + rounds; i++) {
    await sleep(gap);
    const cold = collectOnce();
    const warm = collectOnce();
    if (i < WARMUP_ROUNDS) continue;
    afterIdle.push(cold);
    again.push(warm);
  }
  const a = mean(afterIdle);
  const b = mean(again);
  const ratio = Math.round((a.cpuMs / Math.max(b.cpuMs, 0.001)) * 10) / 10;
  results[`${gap}ms`] = { afterIdle: a, again: b, ratio };
  log(
    `idle ${String(gap).padStart(4)} ms: after idle ${a.cpuMs.toFixed(3)} ms CPU (${a.wallMs.toFixed(3)} ms wall), again at once ${b.cpuMs.toFixed(3)} ms CPU (${b.wallMs.toFixed(3)} ms wall): ×${ratio}`,
  );
}

/**
 * The same question asked of memory alone: 2 000 pages of 4 KB, one byte read from each, after 1 s
 * of idle and again at once. On a VM whose host ages the guest's memory (a page left alone for a
 * second must be mapped again on its next touch), every page a process touches once a second costs
 * this much, whatever the code does with it; pages of 2 MB do not pay it.
 */
const PAGES = 2000;
const memory = Buffer.alloc(PAGES * 4096, 1);
function touchPages(): number {
  const t = performance.now();
  let sum = 0;
  for (let i = 0; i < PAGES; i++) sum += memory[i * 4096]!;
  if (sum !== PAGES) throw new Error('pages read back wrong');
  return performance.now() - t;
}
const pagesAfterIdle: number[] = [];
const pagesAgain: number[] = [];
for (let i = 0; i < WARMUP_ROUNDS + rounds; i++) {
  await sleep(1000);
  const cold = touchPages();
  const warm = touchPages();
  if (i < WARMUP_ROUNDS) continue;
  pagesAfterIdle.push(cold);
  pagesAgain.push(warm);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const pages = {
  afterIdleUsPerPage: +((median(pagesAfterIdle) * 1000) / PAGES).toFixed(3),
  againUsPerPage: +((median(pagesAgain) * 1000) / PAGES).toFixed(3),
};
log(
  `${PAGES} pages of 4 KB touched after 1 s of idle: ${pages.afterIdleUsPerPage} µs per page (median), again at once ${pages.againUsPerPage} µs: ×${Math.round(pages.afterIdleUsPerPage / Math.max(pages.againUsPerPage, 0.001))}`,
);
log(`load average at the end ${loadAverage()}`);
console.log(JSON.stringify({ cpuModel, rounds, collectors: collectors.length, ...results, pages }));
