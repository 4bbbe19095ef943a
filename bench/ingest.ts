/**
 * Ingest benchmark: N simulated agents (real WebSockets, protocol v1, 1 sample/s, in their own
 * process) against the real server binary on loopback, then VictoriaMetrics fed the same values
 * over its import API, each measured over the same window. Prints server CPU per million values,
 * RSS, send->browser latency at a /ws/live client, the acked share, and the ratio to VictoriaMetrics.
 * Usage: npm run bench:ingest -- --agents 1000 [--seconds 60] [--viewers 200] [--no-vm] [--restart]
 * --restart: after the measurement, kill -9 the server, start it again after --down seconds, and
 * time how long until every agent is back and none holds a sample unacked 3 s after its ack was due.
 * --drop: the same after every agent's connection is cut at once while the server stays up.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { metricStream } from './synthetic';
import type { LiveMessage } from '../src/protocol/messages';
import { ACK_INTERVAL_MS } from '../src/server/agent-gateway';
import { generateKey, hashKey } from '../src/server/keys';
import { openSqliteStore } from '../src/store/sqlite-store';
import { parseDuration } from '../src/util/duration';
import { cpuSeconds, rssMB } from './proc-stats';

const { values: args } = parseArgs({
  options: {
    agents: { type: 'string', default: '1000' },
    /** Simulated agents send JSON frames instead of the compact frames the real agent uses. */
    json: { type: 'boolean', default: false },
    seconds: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '10' },
    viewers: { type: 'string', default: '0' },
    'no-vm': { type: 'boolean', default: false },
    /** After the measurement: kill -9 the server, restart it after --down seconds, time the recovery. */
    restart: { type: 'boolean', default: false },
    /** After the measurement: cut every agent's connection at once, time the recovery. */
    drop: { type: 'boolean', default: false },
    down: { type: 'string', default: '10' },
    /** The server's server.ackInterval, e.g. 1s (default: the server's default). */
    'ack-interval': { type: 'string' },
    /** Also measure a bare ws server that only receives (bench/ws-floor.ts): what bounds the CPU per value. */
    floor: { type: 'boolean', default: false },
    /** Run the server from source under node --cpu-prof, writing the profile to this directory on exit. */
    'cpu-prof': { type: 'string' },
    /** Run the server from source with these node options (e.g. "--trace-gc"), to look into it. */
    'server-node-args': { type: 'string' },
  },
});
const agents = Number(args.agents);
const seconds = Number(args.seconds);
const warmup = Number(args.warmup);
const viewers = Number(args.viewers);
const valuesPerSample = Object.keys(metricStream(1)()).length;
const root = path.resolve(import.meta.dirname, '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'probe-bench-ingest-'));
const children: ChildProcess[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stderr.write(line + '\n');

function start(command: string, argv: string[], options: { env?: NodeJS.ProcessEnv } = {}): ChildProcess & { lines: string[]; waitLine(re: RegExp, ms: number): Promise<string> } {
  const child = spawn(command, argv, { cwd: root, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] }) as ChildProcess & { lines: string[]; waitLine(re: RegExp, ms: number): Promise<string> };
  children.push(child);
  child.lines = [];
  let buffer = '';
  child.stdout!.on('data', (d) => {
    if (process.env.BENCH_VERBOSE) process.stderr.write(d);
    buffer += d;
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    child.lines.push(...parts);
  });
  child.stderr!.on('data', (d) => process.env.BENCH_VERBOSE && process.stderr.write(d));
  child.waitLine = async (re, ms) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const line = child.lines.find((l) => re.test(l));
      if (line) return line;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${command}: no line matching ${re} within ${ms} ms`);
      await sleep(50);
    }
  };
  return child;
}

async function request(child: ReturnType<typeof start>, re: RegExp): Promise<Record<string, number>> {
  const before = child.lines.length;
  child.stdin!.write('stats\n');
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const line = child.lines.slice(before).find((l) => re.test(l));
    if (line) return JSON.parse(line) as Record<string, number>;
    await sleep(50);
  }
  throw new Error('no stats answer');
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
}

async function measureProbe() {
  const store = openSqliteStore(path.join(dir, 'data'));
  const keys: string[] = [];
  const t0 = Date.now();
  for (let i = 0; i < agents; i++) {
    const key = generateKey();
    keys.push(key);
    store.addNode({ name: `bench-${i}`, group: `g${i % 10}`, location: '', keyHash: hashKey(key) }, Date.now());
  }
  store.close();
  writeFileSync(path.join(dir, 'keys.txt'), keys.join('\n'));
  log(`added ${agents} nodes in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const nodeArgs = [...(args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(args['cpu-prof'])}`] : []), ...(args['server-node-args']?.split(' ').filter(Boolean) ?? [])];
  const serverCommand = nodeArgs.length ? ([process.execPath, [...nodeArgs, '--import', 'tsx', path.join(root, 'src/cli/main.ts')]] as const) : ([path.join(root, 'dist/probe'), []] as const);
  // Alerts run as they would in production: the example config's rules over this metric set.
  const config = {
    ...(args['ack-interval'] ? { server: { ackInterval: args['ack-interval'] } } : {}),
    notifications: { hook: { type: 'webhook', url: 'http://127.0.0.1:9/hook' } },
    alerts: {
      rules: [
        { name: 'cpu-high', metric: 'cpu', op: '>', threshold: 90, recover: 80, for: '5m', notify: ['hook'] },
        { name: 'load-high', expr: 'load5 > cores * 2', for: '10m', notify: ['hook'] },
        { name: 'memory-high', expr: 'memUsedBytes / memTotalBytes * 100 > 90', for: '10m', notify: ['hook'] },
        { name: 'disk-full', expr: 'diskUsedBytes / diskTotalBytes * 100 > 90', recover: 'diskUsedBytes / diskTotalBytes * 100 < 85', notify: ['hook'] },
        { name: 'node-down', kind: 'offline', for: '60s', notify: ['hook'] },
      ],
    },
  };
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  const startServer = (listen: string) => start(serverCommand[0], [...serverCommand[1], 'server', '--config', path.join(dir, 'config.json'), '--listen', listen, '--data', path.join(dir, 'data'), '--log-level', 'warn']);
  let server = startServer('127.0.0.1:0');
  const url = /open (http:\/\/\S+)\//.exec(await server.waitLine(/open http/, 15_000))![1]!;
  const agentProc = start(process.execPath, ['--import', 'tsx', path.join(root, 'bench/agents.ts'), '--url', `${url.replace('http', 'ws')}/ws/agent`, '--keys', path.join(dir, 'keys.txt'), ...(args.json ? ['--json'] : [])]);
  await agentProc.waitLine(/"connected"/, 120_000);
  log(`${agents} agents connected; warming up ${warmup} s`);

  const latencies: number[] = [];
  let measuring = false;
  const live = new WebSocket(`${url.replace('http', 'ws')}/ws/live`, { perMessageDeflate: false });
  let liveFrames = 0;
  live.on('close', (code) => log(`live client closed (${code}) after ${liveFrames} frames`));
  live.on('error', (err) => log(`live client: ${err.message}`));
  live.on('message', (data) => {
    liveFrames++;
    const received = Date.now();
    const msg = JSON.parse(data.toString()) as LiveMessage;
    if (!measuring || msg.type !== 'update') return;
    for (const n of msg.nodes) if (typeof n.lastSeen === "number") latencies.push(received - n.lastSeen);
    if (process.env.BENCH_LATENCY_LOG) {
      const worst = Math.max(...msg.nodes.map((n) => (typeof n.lastSeen === 'number' ? received - n.lastSeen : 0)));
      appendFileSync(process.env.BENCH_LATENCY_LOG, `${received} ${msg.nodes.length} ${worst}\n`);
    }
  });
  await sleep(warmup * 1000);

  const pid = server.pid!;
  const before = await request(agentProc, /"stats"/);
  const cpu0 = cpuSeconds(pid);
  const wall0 = Date.now();
  measuring = true;
  let peakRss = 0;
  while (Date.now() - wall0 < seconds * 1000) {
    await sleep(1000);
    peakRss = Math.max(peakRss, rssMB(pid));
  }
  measuring = false;
  const cpu1 = cpuSeconds(pid);
  const wall1 = Date.now();
  const after = await request(agentProc, /"stats"/);
  const samples = after.sent! - before.sent!;
  const cpu = cpu1 - cpu0;

  let viewerRatio: number | null = null;
  if (viewers > 0) {
    const clients = Array.from({ length: viewers }, () => new WebSocket(`${url.replace('http', 'ws')}/ws/live`, { perMessageDeflate: false }));
    clients.forEach((c) => c.on('message', () => undefined));
    await sleep(5000);
    const v0 = cpuSeconds(pid);
    const vw0 = Date.now();
    const vs0 = (await request(agentProc, /"stats"/)).sent!;
    await sleep(seconds * 1000);
    const v1 = cpuSeconds(pid);
    const vs1 = (await request(agentProc, /"stats"/)).sent!;
    const perSampleWith = (v1 - v0) / (vs1 - vs0);
    viewerRatio = perSampleWith / (cpu / samples);
    log(`with ${viewers} viewers: ${((v1 - v0) / ((Date.now() - vw0) / 1000)).toFixed(3)} cores; CPU per sample ×${viewerRatio.toFixed(2)} of without`);
    clients.forEach((c) => c.terminate());
  }

  let dropRecovery: Recovery | null = null;
  if (args.drop) {
    log(`drop: cutting all ${agents} agent connections at once`);
    agentProc.stdin!.write('drop\n');
    await sleep(200);
    dropRecovery = await recover(server, agentProc, 'drop');
  }
  let recovery: Recovery | null = null;
  if (args.restart) {
    live.terminate();
    [server, recovery] = await restart(server, () => startServer(new URL(url).host), agentProc);
  }

  // Stop sending, give the last flush time to commit and ack, then compare.
  agentProc.stdin!.write('pause\n');
  await sleep(Math.max(ACK_INTERVAL_MS, args['ack-interval'] ? parseDuration(args['ack-interval'])! : 0) + 2000);
  const drained = await request(agentProc, /"stats"/);
  live.terminate();
  agentProc.kill('SIGTERM');
  server.kill('SIGTERM');
  await sleep(1500);
  latencies.sort((a, b) => a - b);
  return {
    cpuSecondsPerMillionValues: (cpu / (samples * valuesPerSample)) * 1e6,
    serverCores: cpu / ((wall1 - wall0) / 1000),
    rssMB: peakRss,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    ackedShare: drained.acked! / drained.sent!,
    samplesPerSecond: samples / ((wall1 - wall0) / 1000),
    viewerRatio,
    recovery,
    dropRecovery,
  };
}

interface Recovery {
  /** From the restarted server's first line to every agent welcomed again. */
  reconnectedS: number;
  /** From the restarted server's first line to no agent holding a sample unacked 3 s after its ack was due. */
  caughtUpS: number;
  backlogAtStart: number;
  cores: number;
  peakRssMB: number;
}

/** kill -9 the server, wait --down seconds, start it again and time how the fleet comes back. */
async function restart(old: ReturnType<typeof start>, startAgain: () => ReturnType<typeof start>, agentProc: ReturnType<typeof start>): Promise<[ReturnType<typeof start>, Recovery]> {
  const down = Number(args.down);
  log(`restart: kill -9 the server, start it again after ${down} s`);
  old.kill('SIGKILL');
  await new Promise((r) => old.once('exit', r));
  await sleep(down * 1000);
  const server = startAgain();
  await server.waitLine(/open http/, 60_000);
  return [server, await recover(server, agentProc, 'restart')];
}

/** Polls the agents until every one is back and caught up; times it and the server's cost meanwhile. */
async function recover(server: ChildProcess, agentProc: ReturnType<typeof start>, what: string): Promise<Recovery> {
  const t0 = Date.now();
  const cpu0 = cpuSeconds(server.pid!);
  let backlogAtStart = -1;
  let reconnectedS = NaN;
  let peakRssMB = 0;
  for (;;) {
    const stats = await request(agentProc, /"stats"/);
    if (backlogAtStart < 0) backlogAtStart = stats.backlog!;
    const elapsed = (Date.now() - t0) / 1000;
    peakRssMB = Math.max(peakRssMB, rssMB(server.pid!));
    if (Number.isNaN(reconnectedS) && stats.open === agents) reconnectedS = elapsed;
    if (stats.open === agents && stats.backlog === 0) {
      const recovery = { reconnectedS, caughtUpS: elapsed, backlogAtStart, cores: (cpuSeconds(server.pid!) - cpu0) / elapsed, peakRssMB };
      log(`${what}: all ${agents} agents back after ${reconnectedS.toFixed(1)} s, backlog of ${backlogAtStart} samples cleared after ${elapsed.toFixed(1)} s (${recovery.cores.toFixed(2)} cores, peak RSS ${peakRssMB.toFixed(0)} MB)`);
      return recovery;
    }
    if (elapsed > 300) throw new Error(`${what}: not recovered after 300 s: ${JSON.stringify(stats)}`);
    await sleep(500);
  }
}

/**
 * After the warm-up, `receiver`'s CPU seconds over the measured window and how many items
 * `sender` (answering "stats" with {"sent":…}) sent in it; then stops both.
 */
async function measureWindow(receiver: ChildProcess, sender: ReturnType<typeof start>): Promise<{ cpu: number; sent: number }> {
  await sleep(warmup * 1000);
  const before = await request(sender, /"stats"/);
  const cpu0 = cpuSeconds(receiver.pid!);
  await sleep(seconds * 1000);
  const cpu1 = cpuSeconds(receiver.pid!);
  const after = await request(sender, /"stats"/);
  sender.kill('SIGTERM');
  receiver.kill('SIGTERM');
  await sleep(1000);
  return { cpu: cpu1 - cpu0, sent: after.sent! - before.sent! };
}

async function measureVictoriaMetrics() {
  const port = 18_428 + Math.floor(Math.random() * 1000);
  const vm = start('/usr/bin/victoria-metrics', [`-storageDataPath=${path.join(dir, 'vm')}`, `-httpListenAddr=127.0.0.1:${port}`, '-loggerLevel=ERROR']);
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) break;
    } catch {
      if (i > 100) throw new Error('VictoriaMetrics did not start');
    }
    await sleep(100);
  }
  const feeder = start(process.execPath, ['--import', 'tsx', path.join(root, 'bench/vm-feeder.ts'), '--url', `http://127.0.0.1:${port}`, '--nodes', String(agents)]);
  const { cpu, sent } = await measureWindow(vm, feeder);
  return (cpu / sent) * 1e6;
}

/** The same simulated agents against bench/ws-floor.ts: CPU per million values of receiving alone. */
async function measureFloor(): Promise<number> {
  const server = start(process.execPath, ['--import', 'tsx', path.join(root, 'bench/ws-floor.ts')]);
  const port = (JSON.parse(await server.waitLine(/"port"/, 15_000)) as { port: number }).port;
  const agentProc = start(process.execPath, ['--import', 'tsx', path.join(root, 'bench/agents.ts'), '--url', `ws://127.0.0.1:${port}/ws/agent`, '--keys', path.join(dir, 'keys.txt')]);
  await agentProc.waitLine(/"connected"/, 120_000);
  const { cpu, sent } = await measureWindow(server, agentProc);
  return (cpu / (sent * valuesPerSample)) * 1e6;
}

try {
  log(`probe: ${agents} agents × ${valuesPerSample} values/s for ${seconds} s (after ${warmup} s warm-up)`);
  const probe = await measureProbe();
  log(`probe: ${probe.cpuSecondsPerMillionValues.toFixed(3)} CPU-s per million values, ${probe.serverCores.toFixed(3)} cores, RSS ${probe.rssMB.toFixed(0)} MB, p50 ${probe.p50Ms} ms, p99 ${probe.p99Ms} ms, acked ${(probe.ackedShare * 100).toFixed(3)} %, ${probe.samplesPerSecond.toFixed(0)} samples/s`);
  let vm: number | null = null;
  if (!args['no-vm']) {
    vm = await measureVictoriaMetrics();
    log(`VictoriaMetrics: ${vm.toFixed(3)} CPU-s per million values; ratio probe/VM ${(probe.cpuSecondsPerMillionValues / vm).toFixed(2)}`);
  }
  let floor: number | null = null;
  if (args.floor) {
    floor = await measureFloor();
    log(`bare ws server, receiving only: ${floor.toFixed(3)} CPU-s per million values${vm === null ? '' : `; ratio floor/VM ${(floor / vm).toFixed(2)}`}`);
  }
  console.log(
    JSON.stringify({
      agents,
      seconds,
      serverCores: +probe.serverCores.toFixed(3),
      cpuSecondsPerMillionValues: +probe.cpuSecondsPerMillionValues.toFixed(3),
      rssMB: +probe.rssMB.toFixed(1),
      p50Ms: probe.p50Ms,
      p99Ms: probe.p99Ms,
      ackedShare: +probe.ackedShare.toFixed(5),
      vmCpuSecondsPerMillionValues: vm === null ? null : +vm.toFixed(3),
      cpuRatioVsVictoriaMetrics: vm === null ? null : +(probe.cpuSecondsPerMillionValues / vm).toFixed(3),
      ...(probe.viewerRatio === null ? {} : { viewers, cpuRatioWithViewers: +probe.viewerRatio.toFixed(3) }),
      ...(floor === null ? {} : { wsFloorCpuSecondsPerMillionValues: +floor.toFixed(3) }),
      ...(probe.dropRecovery === null ? {} : { dropReconnectedS: +probe.dropRecovery.reconnectedS.toFixed(1), dropCaughtUpS: +probe.dropRecovery.caughtUpS.toFixed(1) }),
      ...(probe.recovery === null ? {} : { restartReconnectedS: +probe.recovery.reconnectedS.toFixed(1), restartCaughtUpS: +probe.recovery.caughtUpS.toFixed(1) }),
    }),
  );
} finally {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
