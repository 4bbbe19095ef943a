/**
 * Agent builds side by side: one real server, and one agent per build given (`--probe A,B,…`, each
 * an executable; `name=FILE` names it), all at 1 s at once, so each sees the same machine. Prints,
 * per agent: CPU ms per sample (threads' schedstat), peak RSS and its split (private, executable
 * pages), at the end. bench:agent measures one build against node_exporter; this compares builds.
 * Usage: node --import tsx bench/agent-ab.ts --probe base=/tmp/a,new=dist/probe [--seconds 120 --warmup 20]
 * `--copies 2` runs that many agents of each build (their mean is printed, and each one's figure).
 * Each executable is copied in 64 KiB writes first, as the agent's download is written: a file
 * written in one large write can sit in the page cache in 2 MB folios, which are mapped whole.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { executableCopy, killAll, log, sleep, start } from './children';
import type { Child } from './children';
import { loadAverage, rssMB, rssSplitMB } from './proc-stats';

const { values: args } = parseArgs({
  options: {
    probe: { type: 'string' },
    server: { type: 'string' },
    seconds: { type: 'string', default: '120' },
    warmup: { type: 'string', default: '20' },
    copies: { type: 'string', default: '1' },
  },
});
const root = path.resolve(import.meta.dirname, '..');
const builds = (args.probe ?? `probe=${path.join(root, 'dist/probe')}`).split(',').map((spec, i) => {
  const [name, file] = spec.includes('=') ? spec.split('=') : [`b${i}`, spec];
  return { name: name!, file: path.resolve(file!) };
});
const dir = mkdtempSync(path.join(os.tmpdir(), 'probe-bench-agent-ab-'));

function threadNs(pid: number): number {
  let ns = 0;
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return Number.NaN; // the agent exited
  }
  for (const task of tasks) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return ns;
}

interface Agent {
  build: string;
  child: Child;
  cpu0: number;
  peak: number;
  split: { anon: number; file: number };
}

/** The server, and `--copies` agents of each build reporting to it. */
async function startAgents(): Promise<Agent[]> {
  const serverBinary = path.resolve(args.server ?? builds[0]!.file);
  const data = path.join(dir, 'data');
  const server = start(serverBinary, ['server', '--listen', '127.0.0.1:0', '--data', data, '--log-level', 'warn'], { cwd: dir });
  const port = Number(/127\.0\.0\.1:(\d+)/.exec(await server.waitLine(/open http/, 15_000))![1]);
  const agents: Agent[] = [];
  for (let copy = 0; copy < Number(args.copies); copy++)
    for (const b of builds) {
      const binary = await executableCopy(b.file, path.join(dir, `${b.name}-${copy}`));
      const out = execFileSync(serverBinary, ['node', 'add', `${b.name}-${copy}`, '--data', data], { encoding: 'utf8' });
      const key = /\n {2}(pk_\S+)\n/.exec(out)![1]!;
      const argv = [
        'agent',
        '--server',
        `ws://127.0.0.1:${port}`,
        '--interval',
        '1s',
        '--state-dir',
        path.join(dir, `state-${b.name}-${copy}`),
      ];
      const child = start(binary, argv, { cwd: dir, env: { PROBE_KEY: key } });
      agents.push({ build: b.name, child, cpu0: 0, peak: 0, split: { anon: 0, file: 0 } });
    }
  return agents;
}

async function main(): Promise<void> {
  const agents = await startAgents();
  await sleep(Number(args.warmup) * 1000);
  for (const a of agents) a.cpu0 = threadNs(a.child.pid!);
  const t0 = Date.now();
  const seconds = Number(args.seconds);
  log(`${agents.length} agents; measuring ${seconds} s; load average ${loadAverage()}`);
  while (Date.now() - t0 < seconds * 1000) {
    await sleep(Math.min(2000, t0 + seconds * 1000 - Date.now()));
    for (const a of agents) {
      if (a.child.exitCode !== null) continue;
      let rss = 0;
      try {
        rss = rssMB(a.child.pid!);
      } catch {
        continue;
      }
      if (rss > a.peak) [a.peak, a.split] = [rss, rssSplitMB(a.child.pid!)];
    }
  }
  const samples = (Date.now() - t0) / 1000;
  const results = agents.map((a) => ({ ...a, msPerSample: (threadNs(a.child.pid!) - a.cpu0) / 1e6 / samples }));
  for (const b of builds) {
    const mine = results.filter((r) => r.build === b.name);
    const mean = (f: (r: (typeof results)[number]) => number) => mine.reduce((s, r) => s + f(r), 0) / mine.length;
    log(
      `${b.name}: ${mean((r) => r.msPerSample).toFixed(3)} ms CPU per sample [${mine.map((r) => r.msPerSample.toFixed(3)).join(' ')}], ` +
        `peak RSS ${mean((r) => r.peak).toFixed(1)} MB [${mine.map((r) => r.peak.toFixed(1)).join(' ')}] ` +
        `(private ${mean((r) => r.split.anon).toFixed(1)}, executable pages ${mean((r) => r.split.file).toFixed(1)})`,
    );
  }
  log(`load average at end ${loadAverage()}`);
  const dead = agents.filter((a) => a.child.exitCode !== null);
  if (dead.length) log(`agents that exited: ${dead.map((a) => `${a.build}: ${a.child.errLines.slice(-3).join(' | ')}`).join('; ')}`);
}

try {
  await main();
} finally {
  killAll();
  rmSync(dir, { recursive: true, force: true });
}
