/**
 * Ingest benchmark: N simulated agents (real WebSockets, protocol v1, 1 sample/s, in their own
 * process) against the real server binary on loopback, then VictoriaMetrics fed the same values
 * over its import API, each measured over the same window. Prints server CPU per million values,
 * RSS, send->browser latency at a /ws/live client, the acked share, and the ratio to VictoriaMetrics;
 * and, to tell a slow server from a slow load generator on shared cores, the generator's own CPU,
 * the samples per second it reached, and the server's event-loop delay and collector pauses.
 * Usage: npm run bench:ingest -- --agents 1000 [--seconds 60] [--viewers 200] [--no-vm] [--restart]
 * --restart: after the measurement, kill -9 the server, start it again after --down seconds, and
 * time how long until every agent is back and none holds a sample unacked 3 s after its ack was due.
 * --drop: the same after every agent's connection is cut at once while the server stays up.
 * --remote-write: then the same load again on a fresh database with remote write to a VictoriaMetrics
 * (bench/ingest-remote.ts): the server's CPU per value with and without, and the lag it reports.
 */
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { metricStream } from './synthetic';
import { ACK_INTERVAL_MS } from '../src/server/agents/agent-gateway';
import { generateKey, hashKey } from '../src/server/fleet/keys';
import { openSqliteStore } from '../src/store/sqlite-store';
import { parseDuration } from '../src/util/duration';
import { bundleCommand, killAll, log, request, sleep, start } from './children';
import type { Child } from './children';
import { recover, restart } from './ingest-recovery';
import type { Recovery } from './ingest-recovery';
import { measureFloor, measureVictoriaMetrics } from './ingest-peers';
import { LagWatch, remoteReport, startRemoteSink, startRemoteTarget } from './ingest-remote';
import type { RemoteTarget } from './ingest-remote';
import { LiveClient, summarizeLoop } from './ingest-watch';
import type { LoopSummary } from './ingest-watch';
import { cpuSeconds, rssMB, stealSeconds, threadCpuSeconds, threadSchedSeconds, threadsCpuSeconds } from './proc-stats';

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
    /** Then run again with remote write to a VictoriaMetrics: CPU per value with and without, and the lag. */
    'remote-write': { type: 'boolean', default: false },
    /** With --remote-write: read /metrics (for the lag) every this many seconds, as a Prometheus scrape interval. */
    'scrape-every': { type: 'string', default: '15' },
    /** With --remote-write: send to a receiver that reads and discards (a TSDB elsewhere), not a VictoriaMetrics on loopback. */
    'remote-sink': { type: 'boolean', default: false },
    /** With --remote-write: the run with remote write first, then the one without (to see what the order alone does). */
    'remote-first': { type: 'boolean', default: false },
    /**
     * With --remote-write: four halves, without, with, with, without, and the means of each kind, so a
     * drift over the run (the second half of a pair was seen dearer whatever it ran) cancels out.
     */
    abba: { type: 'boolean', default: false },
    /** The binary to measure (default: dist/probe, built by npm run bench:ingest). */
    probe: { type: 'string' },
    /**
     * Run the server's bundle (dist/probe.cjs, the code inside dist/probe) under node --cpu-prof,
     * writing the profile to this directory on exit (the executable refuses --cpu-prof in NODE_OPTIONS).
     */
    'cpu-prof': { type: 'string' },
    /** Run the server's bundle with these node options (e.g. "--trace-gc"), to look into it. */
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
/** How often the server logs its event loop's figures (PROBE_EVENT_LOOP_LOG). */
const LOOP_PERIOD_S = 5;
/** On two busy shared cores 10 000 agents may take minutes to get in (the server answers 408 to some; they back off). */
const CONNECT_MS = 120_000 + agents * 20;

const startChild = (command: string, argv: string[], env?: NodeJS.ProcessEnv) => start(command, argv, { cwd: root, env });
const windows = { warmupS: warmup, seconds, start: startChild, dir };
const startAgents = (url: string) =>
  startChild(process.execPath, [
    '--import',
    'tsx',
    path.join(root, 'bench/agents.ts'),
    '--url',
    url,
    '--keys',
    path.join(dir, 'keys.txt'),
    ...(args.json ? ['--json'] : []),
  ]);

/** The server's data directory (another for the --remote-write run). */
let dataDir = path.join(dir, 'data');

/** Adds a node per simulated agent, and writes their keys for bench/agents.ts. */
function addNodes(): void {
  const store = openSqliteStore(dataDir);
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
}

/** Returns how to start the server on an address (again after --restart), with the example's alert rules. */
function serverStarter(remoteWriteUrl?: string): (listen: string) => Child {
  const nodeArgs = [
    ...(args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(args['cpu-prof'])}`] : []),
    ...(args['server-node-args']?.split(' ').filter(Boolean) ?? []),
  ];
  const serverCommand = nodeArgs.length
    ? bundleCommand(root, dir, nodeArgs)
    : ([path.resolve(args.probe ?? path.join(root, 'dist/probe')), []] as const);
  // Alerts run as they would in production: the example config's rules over this metric set.
  const config = {
    ...(args['ack-interval'] ? { server: { ackInterval: args['ack-interval'] } } : {}),
    ...(remoteWriteUrl ? { history: { remoteWrite: [{ url: remoteWriteUrl }] } } : {}),
    notifications: { hook: { type: 'webhook', url: 'http://127.0.0.1:9/hook' } },
    alerts: {
      rules: [
        { name: 'cpu-high', metric: 'cpu', op: '>', threshold: 90, recover: 80, for: '5m', notify: ['hook'] },
        { name: 'load-high', expr: 'load5 > cores * 2', for: '10m', notify: ['hook'] },
        { name: 'memory-high', expr: 'memUsedBytes / memTotalBytes * 100 > 90', for: '10m', notify: ['hook'] },
        {
          name: 'disk-full',
          expr: 'diskUsedBytes / diskTotalBytes * 100 > 90',
          recover: 'diskUsedBytes / diskTotalBytes * 100 < 85',
          notify: ['hook'],
        },
        { name: 'node-down', kind: 'offline', for: '60s', notify: ['hook'] },
      ],
    },
  };
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  // Info level for the event loop's lines; nothing else logs at info per agent or per sample.
  return (listen) =>
    startChild(
      serverCommand[0],
      [
        ...serverCommand[1],
        'server',
        '--config',
        path.join(dir, 'config.json'),
        '--listen',
        listen,
        '--data',
        dataDir,
        '--log-level',
        'info',
      ],
      { PROBE_EVENT_LOOP_LOG: `${LOOP_PERIOD_S}s` },
    );
}

interface IngestWindow {
  cpu: number;
  wallS: number;
  samples: number;
  peakRss: number;
  /** The load generator: its cores, the frames it sent per second, how late its timer ran. */
  generatorCores: number;
  framesPerSecond: number;
  generatorLateMaxMs: number;
  generatorLateSlots: number;
  /** This process (the /ws/live client) in cores. */
  clientCores: number;
  loop: LoopSummary | null;
  /** With --remote-write: the writer thread's own CPU seconds in the window (its tid from the server's log), if found. */
  writerThreadCpu: number | null;
  /** With --remote-write: the VictoriaMetrics it sends to, its cores over the window (it shares the machine). */
  tsdbCores: number | null;
  /** The server's main thread's CPU seconds, and those of its threads other than the main and remote write's. */
  mainThreadCpu: number;
  otherThreadsCpu: number;
  /**
   * Shares of the window the server's main thread ran on a core and was ready but waited for one
   * (null without schedstat), and the share of the machine's cores the hypervisor took (steal):
   * a tail that grows with the wait, not the running, is the machine's, not the code's.
   */
  mainRunningShare: number | null;
  mainWaitingShare: number | null;
  stealShare: number;
  /** With --remote-write: the /metrics reads made in the window, and their mean time. */
  metricsReads: { count: number; meanMs: number } | null;
}

/** One measured window of the server under the agents' load, the live client measuring latency. */
async function measureIngest(
  server: Child,
  agentProc: Child,
  live: LiveClient,
  lag: LagWatch | null,
  tsdbPid: number | undefined,
): Promise<IngestWindow> {
  const pid = server.pid!;
  const before = await request(agentProc, /"stats"/);
  const cpu0 = cpuSeconds(pid);
  // With --remote-write: the writer thread, by the tid it logs at its start.
  const writerTid = lag && Number(/remote write thread started.*\btid=(\d+)/.exec(server.errLines.join('\n'))?.[1]);
  const writer0 = writerTid ? threadCpuSeconds(pid, writerTid) : null;
  const gen0 = cpuSeconds(agentProc.pid!);
  const threads0 = threadsCpuSeconds(pid);
  const sched0 = threadSchedSeconds(pid, pid);
  const steal0 = stealSeconds();
  const tsdb0 = tsdbPid ? cpuSeconds(tsdbPid) : null;
  const client0 = process.cpuUsage();
  const loopFrom = server.errLines.length;
  const wall0 = Date.now();
  live.measuring = true;
  let peakRss = 0;
  while (Date.now() - wall0 < seconds * 1000) {
    await sleep(1000);
    peakRss = Math.max(peakRss, rssMB(pid));
    lag?.tick();
  }
  await lag?.idle();
  const metricsReads = lag ? { count: lag.reads, meanMs: lag.readMs / Math.max(1, lag.reads) } : null;
  live.measuring = false;
  const cpu = cpuSeconds(pid) - cpu0;
  const writer1 = writerTid ? threadCpuSeconds(pid, writerTid) : null;
  const generator = cpuSeconds(agentProc.pid!) - gen0;
  const tsdb = tsdbPid && tsdb0 !== null ? cpuSeconds(tsdbPid) - tsdb0 : null;
  // The server's CPU by thread: the main one, remote write's, and the rest (V8's GC helpers, libuv's pool).
  let mainCpu = 0;
  let otherCpu = 0;
  for (const [tid, cpu] of threadsCpuSeconds(pid)) {
    const spent = cpu - (threads0.get(tid) ?? 0);
    if (tid === pid) mainCpu += spent;
    else if (tid !== writerTid) otherCpu += spent;
  }
  const client = process.cpuUsage(client0);
  const wallS = (Date.now() - wall0) / 1000;
  const sched1 = threadSchedSeconds(pid, pid);
  const sched = sched0 && sched1 ? { running: sched1.running - sched0.running, waiting: sched1.waiting - sched0.waiting } : null;
  const loopLines = server.errLines.slice(loopFrom);
  const after = await request(agentProc, /"stats"/);
  return {
    cpu,
    wallS,
    samples: after.sent! - before.sent!,
    peakRss,
    generatorCores: generator / wallS,
    framesPerSecond: (after.transmitted! - before.transmitted!) / wallS,
    generatorLateMaxMs: after.lateMaxMs!,
    generatorLateSlots: after.lateSlots!,
    clientCores: (client.user + client.system) / 1e6 / wallS,
    loop: summarizeLoop(loopLines, LOOP_PERIOD_S),
    writerThreadCpu: writer0 !== null && writer1 !== null ? writer1 - writer0 : null,
    tsdbCores: tsdb === null ? null : tsdb / wallS,
    mainThreadCpu: mainCpu,
    otherThreadsCpu: otherCpu,
    mainRunningShare: sched ? sched.running / wallS : null,
    mainWaitingShare: sched ? sched.waiting / wallS : null,
    stealShare: (stealSeconds() - steal0) / wallS / os.cpus().length,
    metricsReads,
  };
}

/** A second window with `viewers` pages open: CPU per sample with them, as a multiple of without. */
async function measureViewers(url: string, pid: number, agentProc: Child, cpuPerSampleWithout: number): Promise<number> {
  const clients = Array.from(
    { length: viewers },
    () => new WebSocket(`${url.replace('http', 'ws')}/ws/live`, { perMessageDeflate: false }),
  );
  clients.forEach((c) => c.on('message', () => undefined));
  await sleep(5000);
  const v0 = cpuSeconds(pid);
  const vw0 = Date.now();
  const vs0 = (await request(agentProc, /"stats"/)).sent!;
  await sleep(seconds * 1000);
  const v1 = cpuSeconds(pid);
  const vs1 = (await request(agentProc, /"stats"/)).sent!;
  const ratio = (v1 - v0) / (vs1 - vs0) / cpuPerSampleWithout;
  log(
    `with ${viewers} viewers: ${((v1 - v0) / ((Date.now() - vw0) / 1000)).toFixed(3)} cores; CPU per sample ×${ratio.toFixed(2)} of without`,
  );
  clients.forEach((c) => c.terminate());
  return ratio;
}

async function measureProbe(target?: RemoteTarget) {
  addNodes();
  const startServer = serverStarter(target?.url);
  let server = startServer('127.0.0.1:0');
  const url = /open (http:\/\/\S+)\//.exec(await server.waitLine(/open http/, 15_000))![1]!;
  const agentProc = startAgents(`${url.replace('http', 'ws')}/ws/agent`);
  const t0 = Date.now();
  await agentProc.waitLine(/"connected"/, CONNECT_MS);
  log(`${agents} agents connected in ${((Date.now() - t0) / 1000).toFixed(0)} s; warming up ${warmup} s`);
  const live = new LiveClient(url);
  await sleep(warmup * 1000);
  // With --remote-write, /metrics is read in both runs, every --scrape-every seconds as a Prometheus would; otherwise
  // not: at 10 000 nodes each read is a ~410 000-line page.
  const lag = args['remote-write'] ? new LagWatch(url, Number(args['scrape-every'])) : null;
  const window = await measureIngest(server, agentProc, live, lag, target?.pid);
  const viewerRatio = viewers > 0 ? await measureViewers(url, server.pid!, agentProc, window.cpu / window.samples) : null;

  let dropRecovery: Recovery | null = null;
  if (args.drop) {
    log(`drop: cutting all ${agents} agent connections at once`);
    agentProc.stdin!.write('drop\n');
    await sleep(200);
    dropRecovery = await recover(server, agentProc, agents, 'drop');
  }
  let recovery: Recovery | null = null;
  if (args.restart) {
    live.terminate();
    [server, recovery] = await restart(server, () => startServer(new URL(url).host), agentProc, agents, Number(args.down));
  }

  // Stop sending, give the last flush time to commit and ack, then compare.
  agentProc.stdin!.write('pause\n');
  await sleep(Math.max(ACK_INTERVAL_MS, args['ack-interval'] ? parseDuration(args['ack-interval'])! : 0) + 2000);
  const drained = await request(agentProc, /"stats"/);
  await lag?.settle();
  live.terminate();
  agentProc.kill('SIGTERM');
  server.kill('SIGTERM');
  // A profile of 10 000 agents takes seconds to write at exit: wait for it (killAll would cut it).
  await Promise.race([once(server, 'exit'), sleep(args['cpu-prof'] ? 120_000 : 1500)]);
  return {
    ...window,
    ...live.figures(),
    cpuSecondsPerMillionValues: (window.cpu / (window.samples * valuesPerSample)) * 1e6,
    serverCores: window.cpu / window.wallS,
    ackedShare: drained.acked! / drained.sent!,
    samplesPerSecond: window.samples / window.wallS,
    viewerRatio,
    recovery,
    dropRecovery,
    lag: target && lag ? lag.figures : null,
  };
}

type Probe = Awaited<ReturnType<typeof measureProbe>>;

/**
 * The writer thread's own CPU in the run with remote write, against the rest of the server's in the
 * same window: what remote write costs, free of the spread between two runs (which on a 2-core VM
 * was up to 15 %, as large as the cost).
 */
function writerThreadReport(remote: Probe): string {
  const thread = remote.writerThreadCpu;
  if (thread === null) return 'remote write thread: not found in the server log (running from source?), its own CPU not measured';
  const values = remote.samples * valuesPerSample;
  return (
    `remote write thread: ${(thread / remote.wallS).toFixed(3)} cores, ${((thread / values) * 1e6).toFixed(3)} µs per value, ` +
    `+${((thread / (remote.cpu - thread)) * 100).toFixed(1)} % of the rest of the server's CPU in the same window`
  );
}

function report(probe: Probe): void {
  const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? '?';
  log(
    `machine: ${cpuModel}, ${os.cpus().length} cores, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  log(
    `probe: ${probe.cpuSecondsPerMillionValues.toFixed(3)} CPU-s per million values, ${probe.serverCores.toFixed(3)} cores, RSS ${probe.peakRss.toFixed(0)} MB, p50 ${probe.p50Ms} ms, p99 ${probe.p99Ms} ms, p99.9 ${probe.p999Ms} ms, max ${probe.maxMs} ms, ${(probe.over250 * 100).toFixed(2)} % over 250 ms, acked ${(probe.ackedShare * 100).toFixed(3)} %`,
  );
  log(
    `load generator: ${probe.generatorCores.toFixed(3)} cores, ${probe.samplesPerSecond.toFixed(0)} samples/s taken, ${probe.framesPerSecond.toFixed(0)} frames/s sent (of ${agents} due), its timer at worst ${probe.generatorLateMaxMs} ms late (${probe.generatorLateSlots} slots 50 ms late or more); live client ${probe.clientCores.toFixed(3)} cores`,
  );
  const pct = (share: number | null) => (share === null ? '?' : `${(share * 100).toFixed(1)} %`);
  log(
    `server main thread: on a core ${pct(probe.mainRunningShare)} of the window, ready and waiting for one ${pct(probe.mainWaitingShare)}; ` +
      `the hypervisor took ${pct(probe.stealShare)} of the machine's cores (steal)`,
  );
  const loop = probe.loop;
  if (loop)
    log(
      `server event loop: delay p99 at worst ${loop.worstP99Ms} ms, max ${loop.maxMs} ms (per ${LOOP_PERIOD_S} s: ${loop.maxByPeriod.join(' ')}); GC ${loop.gcMsPerS} ms/s, longest pause ${loop.gcMaxMs} ms, ${loop.majorGcs} full`,
    );
}

/** The two halves more of --abba (with, then without), and the means of the four. */
async function abbaReport(first: Probe, second: Probe, measureRemote: (data: string) => Promise<Probe>): Promise<number> {
  const third = await measureRemote('data-remote-write-2');
  log('and without remote write again (a fresh database, the same load)');
  dataDir = path.join(dir, 'data-2');
  const fourth = await measureProbe();
  const perValue = (p: Probe, cpu: number) => (cpu / (p.samples * valuesPerSample)) * 1e6;
  const mean = (a: Probe, b: Probe, cpu: (p: Probe) => number) => (perValue(a, cpu(a)) + perValue(b, cpu(b))) / 2;
  const total = (p: Probe) => p.cpu;
  const without = mean(first, fourth, total);
  const withRemote = mean(second, third, total);
  const figures = [first, second, third, fourth].map((p) => perValue(p, p.cpu).toFixed(3)).join(', ');
  log(
    `ABBA (without, with, with, without): ${figures} CPU-s per million values; means ${without.toFixed(3)} → ${withRemote.toFixed(3)}: ` +
      `remote write +${((withRemote / without - 1) * 100).toFixed(1)} %; main thread ${mean(first, fourth, (p) => p.mainThreadCpu).toFixed(3)} → ` +
      `${mean(second, third, (p) => p.mainThreadCpu).toFixed(3)}, other threads ${mean(first, fourth, (p) => p.otherThreadsCpu).toFixed(3)} → ` +
      `${mean(second, third, (p) => p.otherThreadsCpu).toFixed(3)}, remote write's ${mean(second, third, (p) => p.writerThreadCpu ?? 0).toFixed(3)}`,
  );
  return withRemote / without - 1;
}

let abba: number | null = null;

try {
  log(`probe: ${agents} agents × ${valuesPerSample} values/s for ${seconds} s (after ${warmup} s warm-up)`);
  let target: RemoteTarget | null = null;
  let remote: Probe | null = null;
  const measureRemote = async (data = 'data-remote-write') => {
    dataDir = path.join(dir, data);
    target ??= args['remote-sink'] ? await startRemoteSink(startChild) : await startRemoteTarget(startChild, dir);
    log(`with remote write to ${target.name} on loopback (a fresh database, the same load)`);
    return measureProbe(target);
  };
  if (args['remote-write'] && args['remote-first']) remote = await measureRemote();
  dataDir = path.join(dir, 'data');
  const probe = await measureProbe();
  report(probe);
  let vm: number | null = null;
  if (!args['no-vm']) {
    vm = await measureVictoriaMetrics(windows, agents);
    log(`VictoriaMetrics: ${vm.toFixed(3)} CPU-s per million values; ratio probe/VM ${(probe.cpuSecondsPerMillionValues / vm).toFixed(2)}`);
  }
  if (args['remote-write']) {
    remote ??= await measureRemote();
    log(remoteReport(probe.cpuSecondsPerMillionValues, remote.cpuSecondsPerMillionValues, remote.lag!));
    log(writerThreadReport(remote));
    log(
      `with remote write: ${remote.serverCores.toFixed(3)} cores, p50 ${remote.p50Ms} ms, p99 ${remote.p99Ms} ms, ` +
        `event-loop delay p99 at worst ${remote.loop?.worstP99Ms ?? '?'} ms; ${target!.name} receiving on the same cores: ${remote.tsdbCores?.toFixed(3)} cores`,
    );
    const reads = [probe, remote].map((p) => `${p.metricsReads!.count} (mean ${p.metricsReads!.meanMs.toFixed(0)} ms)`);
    log(`/metrics reads in the measured window, without and with remote write: ${reads.join(' and ')}`);
    log(`server RSS at its peak, without and with remote write: ${probe.peakRss.toFixed(0)} and ${remote.peakRss.toFixed(0)} MB`);
    const perValue = (p: Probe, cpu: number) => ((cpu / (p.samples * valuesPerSample)) * 1e6).toFixed(3);
    log(
      `server CPU-s per million values by thread, without and with remote write: main ${perValue(probe, probe.mainThreadCpu)} and ` +
        `${perValue(remote, remote.mainThreadCpu)}, other threads (GC helpers, libuv's pool) ${perValue(probe, probe.otherThreadsCpu)} and ` +
        `${perValue(remote, remote.otherThreadsCpu)}, remote write's ${perValue(remote, remote.writerThreadCpu ?? 0)}`,
    );
    if (args.abba && !args['remote-first']) abba = await abbaReport(probe, remote, measureRemote);
  }
  let floor: number | null = null;
  if (args.floor) {
    floor = (await measureFloor(windows, startAgents, CONNECT_MS)) / valuesPerSample;
    log(
      `bare ws server, receiving only: ${floor.toFixed(3)} CPU-s per million values${vm === null ? '' : `; ratio floor/VM ${(floor / vm).toFixed(2)}`}`,
    );
  }
  console.log(
    JSON.stringify({
      agents,
      seconds,
      serverCores: +probe.serverCores.toFixed(3),
      cpuSecondsPerMillionValues: +probe.cpuSecondsPerMillionValues.toFixed(3),
      rssMB: +probe.peakRss.toFixed(1),
      p50Ms: probe.p50Ms,
      p99Ms: probe.p99Ms,
      p999Ms: probe.p999Ms,
      ackedShare: +probe.ackedShare.toFixed(5),
      samplesPerSecond: +probe.samplesPerSecond.toFixed(0),
      generatorCores: +probe.generatorCores.toFixed(3),
      loopDelayWorstP99Ms: probe.loop?.worstP99Ms ?? null,
      mainWaitingShare: probe.mainWaitingShare === null ? null : +probe.mainWaitingShare.toFixed(3),
      stealShare: +probe.stealShare.toFixed(4),
      loadAverage: +os.loadavg()[0]!.toFixed(2),
      vmCpuSecondsPerMillionValues: vm === null ? null : +vm.toFixed(3),
      cpuRatioVsVictoriaMetrics: vm === null ? null : +(probe.cpuSecondsPerMillionValues / vm).toFixed(3),
      ...(probe.viewerRatio === null ? {} : { viewers, cpuRatioWithViewers: +probe.viewerRatio.toFixed(3) }),
      ...(floor === null ? {} : { wsFloorCpuSecondsPerMillionValues: +floor.toFixed(3) }),
      ...(remote === null
        ? {}
        : {
            remoteWriteCpuSecondsPerMillionValues: +remote.cpuSecondsPerMillionValues.toFixed(3),
            remoteWriteCpuIncrease: +(remote.cpuSecondsPerMillionValues / probe.cpuSecondsPerMillionValues - 1).toFixed(3),
            remoteWriteMaxLagS: +remote.lag!.maxLagS.toFixed(1),
            remoteWriteRssMB: +remote.peakRss.toFixed(1),
            remoteWriteThreadShare:
              remote.writerThreadCpu === null ? null : +(remote.writerThreadCpu / (remote.cpu - remote.writerThreadCpu)).toFixed(3),
            remoteWritePendingAtEnd: remote.lag!.pendingSamples,
            remoteWriteP99Ms: remote.p99Ms,
            remoteWriteTsdbCores: remote.tsdbCores === null ? null : +remote.tsdbCores.toFixed(3),
            remoteWriteTo: args['remote-sink'] ? 'sink' : 'victoria-metrics',
            remoteWriteFirst: Boolean(args['remote-first']),
            remoteWriteCpuIncreaseAbba: abba === null ? null : +abba.toFixed(3),
          }),
      ...(probe.dropRecovery === null
        ? {}
        : { dropReconnectedS: +probe.dropRecovery.reconnectedS.toFixed(1), dropCaughtUpS: +probe.dropRecovery.caughtUpS.toFixed(1) }),
      ...(probe.recovery === null
        ? {}
        : { restartReconnectedS: +probe.recovery.reconnectedS.toFixed(1), restartCaughtUpS: +probe.recovery.caughtUpS.toFixed(1) }),
    }),
  );
} finally {
  killAll();
  rmSync(dir, { recursive: true, force: true });
}
