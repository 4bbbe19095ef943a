/**
 * Cluster benchmark (issue 20): N probe servers on loopback following each other's live feed
 * (cluster.peers), VictoriaMetrics as the first server's remote-write target, simulated agents
 * split across the servers (each fails over to the others, as the agent does), the last server
 * killed with kill -9 mid-run. Prints the samples lost (sent by an agent, in no server's database),
 * the seconds until every agent of the killed server reports again, the staleness on each page of
 * the nodes whose agents are on another server, and CPU per value of a server with and without
 * remote write on the same load. The registry is one PostgreSQL (Debian's postgresql-15, started in
 * a temp dir on loopback as the tests do: test/postgres.ts), `store.postgres` on every server.
 * Last line: one JSON object.
 * Usage: npm run bench:cluster -- --servers 2 --agents 4000 [--seconds 60] [--warmup 10] [--after 10]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ACK_INTERVAL_MS } from '../src/server/agents/agent-gateway';
import { killAll, log, request, sleep, start } from './children';
import type { Child } from './children';
import { addNodes, startGroup, startServers, storedOnce } from './cluster-rig';
import type { ClusterServer } from './cluster-rig';
import { recover } from './ingest-recovery';
import { startRemoteTarget } from './ingest-remote';
import { LiveClient } from './ingest-watch';
import { startPostgres } from '../test/postgres';
import type { Postgres } from '../test/postgres';
import { cpuSeconds, rssMB } from './proc-stats';
import { metricStream } from './synthetic';

const { values: args } = parseArgs({
  options: {
    servers: { type: 'string', default: '2' },
    agents: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '10' },
    /** Seconds the survivors run on after the killed server's agents are all back, before the count. */
    after: { type: 'string', default: '10' },
    probe: { type: 'string' },
  },
});
const servers = Number(args.servers);
const agents = Number(args.agents);
const seconds = Number(args.seconds);
if (!Number.isInteger(servers) || servers < 2 || servers > 8) throw new Error('--servers must be 2 to 8');
if (!Number.isInteger(agents) || agents < servers || agents > 20_000) throw new Error(`--agents must be ${servers} to 20000`);
if (!(seconds >= 5 && seconds <= 3600)) throw new Error('--seconds must be 5 to 3600');
const root = path.resolve(import.meta.dirname, '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'probe-bench-cluster-'));
const valuesPerSample = Object.keys(metricStream(1)()).length;
const startChild = (command: string, argv: string[], env?: NodeJS.ProcessEnv) => start(command, argv, { cwd: root, env });

function machine(): string {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? '?';
  return `${cpu}, ${os.cpus().length} cores, load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
}

/** Each server's page, measuring only the nodes whose agents are on another server. */
function pages(list: ClusterServer[], groups: string[][], ids: Map<string, number>): LiveClient[] {
  return list.map((s) => new LiveClient(s.url, new Set(groups.flatMap((g, i) => (i === s.index ? [] : g.map((n) => ids.get(n)!))))));
}

interface Window {
  /** Per server: CPU-s per million values its own agents sent, cores, peak RSS. */
  cpuPerMillion: number[];
  cores: number[];
  rss: number[];
}

/** One measured window under the steady load: each server's CPU per value of its own agents. */
async function measure(list: ClusterServer[], gens: Child[]): Promise<Window> {
  const sent0 = await Promise.all(gens.map((g) => request(g, /"stats"/)));
  const cpu0 = list.map((s) => cpuSeconds(s.proc.pid!));
  const rss = list.map(() => 0);
  const t0 = Date.now();
  while (Date.now() - t0 < seconds * 1000) {
    await sleep(1000);
    list.forEach((s, i) => (rss[i] = Math.max(rss[i]!, rssMB(s.proc.pid!))));
  }
  const wallS = (Date.now() - t0) / 1000;
  const cpu = list.map((s, i) => cpuSeconds(s.proc.pid!) - cpu0[i]!);
  const sent1 = await Promise.all(gens.map((g) => request(g, /"stats"/)));
  const values = sent1.map((s, i) => (s.sent! - sent0[i]!.sent!) * valuesPerSample);
  return { cpuPerMillion: cpu.map((c, i) => (c / values[i]!) * 1e6), cores: cpu.map((c) => c / wallS), rss };
}

/** kill -9 the last server; how long until its agents all report to the others again, and caught up. */
async function killLast(list: ClusterServer[], gens: Child[], groups: string[][]) {
  const victim = list.at(-1)!;
  log(`kill -9 server ${victim.index}; its ${groups[victim.index]!.length} agents fail over`);
  victim.proc.kill('SIGKILL');
  await new Promise((r) => victim.proc.once('exit', r));
  return recover(list[0]!.proc, gens[victim.index]!, groups[victim.index]!.length, 'failover');
}

async function main() {
  log(`cluster: ${servers} servers, ${agents} agents × ${valuesPerSample} values/s, ${seconds} s measured`);
  log(`machine: ${machine()}`);
  const { url: writeUrl } = await startRemoteTarget(startChild, dir);
  postgres = await startPostgres(dir);
  log(`registry: PostgreSQL on loopback (store.postgres on every server)`);
  const { ids, groups } = addNodes(dir, agents, servers);
  const binary = path.resolve(args.probe ?? path.join(root, 'dist/probe'));
  const list = await startServers(startChild, binary, dir, servers, writeUrl, postgres.url);
  const gens = list.map((_, g) => startGroup(startChild, root, dir, list, g));
  const t0 = Date.now();
  await Promise.all(gens.map((g) => g.waitLine(/"connected"/, 120_000 + agents * 20)));
  log(`${agents} agents connected in ${((Date.now() - t0) / 1000).toFixed(0)} s; warming up ${args.warmup} s`);
  const live = pages(list, groups, ids);
  await sleep(Number(args.warmup) * 1000);
  live.forEach((l) => (l.measuring = true));
  const window = await measure(list, gens);
  live.forEach((l) => (l.measuring = false));
  const staleness = live.map((l) => l.figures());
  const recovery = await killLast(list, gens, groups);
  await sleep(Number(args.after) * 1000);
  gens.forEach((g) => g.stdin!.write('pause\n'));
  await sleep(ACK_INTERVAL_MS + 2000);
  const end = await Promise.all(gens.map((g) => request(g, /"stats"/)));
  live.forEach((l) => l.terminate());
  for (const s of list.slice(0, -1)) s.proc.kill('SIGTERM');
  await Promise.all(list.slice(0, -1).map((s) => new Promise((r) => (s.proc.exitCode === null ? s.proc.once('exit', r) : r(0)))));
  const sent = end.reduce((n, s) => n + s.sent!, 0);
  const acked = end.reduce((n, s) => n + s.acked!, 0);
  const stored = storedOnce(dir, servers, [...ids.values()]);
  return { window, staleness, recovery, sent, acked, stored };
}

function report(r: Awaited<ReturnType<typeof main>>): void {
  r.staleness.forEach((s, i) =>
    log(`server ${i}'s page, nodes on other servers: staleness p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms, max ${s.maxMs} ms`),
  );
  r.window.cpuPerMillion.forEach((c, i) =>
    log(
      `server ${i} (${i === 0 ? 'with' : 'without'} remote write): ${c.toFixed(3)} CPU-s per million values, ${r.window.cores[i]!.toFixed(3)} cores, RSS ${r.window.rss[i]!.toFixed(0)} MB`,
    ),
  );
  const lost = Math.max(0, r.sent - r.stored);
  log(`samples: ${r.sent} sent, ${r.acked} acked, ${r.stored} in some server's database; lost ${lost}`);
  log(`machine at the end: ${machine()}`);
  const p99 = Math.max(...r.staleness.map((s) => s.p99Ms));
  const without = r.window.cpuPerMillion.slice(1);
  console.log(
    JSON.stringify({
      servers,
      agents,
      seconds,
      samplesLost: lost,
      samplesSent: r.sent,
      unackedAtEnd: r.sent - r.acked,
      failoverReportingAgainS: +r.recovery.reconnectedS.toFixed(1),
      failoverCaughtUpS: +r.recovery.caughtUpS.toFixed(1),
      stalenessP99Ms: p99,
      stalenessP50Ms: Math.max(...r.staleness.map((s) => s.p50Ms)),
      cpuSecondsPerMillionValuesWithRemoteWrite: +r.window.cpuPerMillion[0]!.toFixed(3),
      cpuSecondsPerMillionValuesWithout: +(without.reduce((a, b) => a + b, 0) / without.length).toFixed(3),
      serverCores: r.window.cores.map((c) => +c.toFixed(3)),
      rssMB: r.window.rss.map((m) => +m.toFixed(0)),
      registry: 'postgresql',
      loadAverage: +os.loadavg()[0]!.toFixed(2),
    }),
  );
}

let postgres = null as Postgres | null;
try {
  report(await main());
} finally {
  killAll();
  await postgres?.proc.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
