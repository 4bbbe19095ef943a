/**
 * Agent cost benchmark: the built agent at 1 s against the real server on loopback, and in the
 * same run Prometheus node_exporter scraped at 1 s. Prints agent CPU per sample, node_exporter
 * CPU per scrape, their ratio, both RSS figures, and the agent's bytes on the wire per sample
 * (counted by a TCP relay between agent and server, WebSocket framing included).
 * Usage: npm run bench:agent [-- --seconds 60 --warmup 5]   (needs: apt-get install prometheus-node-exporter)
 * An hour of the agent: `-- --seconds 3600 --node-exporter-seconds 120` (node_exporter's cost per
 * scrape settles within a minute); runs of 5 minutes or more print the agent's RSS every minute.
 * The agent's code runs interpreted until V8 has seen it often enough; --warmup 300 measures steady state.
 * RSS is the highest seen during the measurement. Most of it is the executable's pages, and how many
 * of those count depends on the page cache. The agent runs from a copy downloaded from the
 * server's /download/probe, as install.sh does. How a file was written matters on kernels with
 * large page-cache folios (ext4 since Linux 6.16): dist/probe, written by the build in one 100 MB
 * write, is cached in 2 MB folios that are mapped whole (FilePmdMapped), which made the same agent
 * 73 MB instead of 47. `--cold` (root) also drops the page cache before the agent starts, as on a
 * node where the agent starts after boot.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { parseArgs } from 'node:util';
import { cpuModel as cpuModelOf, loadAverage, rssMB, rssSplitMB } from './proc-stats';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    'node-exporter-seconds': { type: 'string' },
    warmup: { type: 'string', default: '5' },
    cold: { type: 'boolean', default: false },
    'agent-script': { type: 'string' },
    probe: { type: 'string' },
    'agent-node-args': { type: 'string', default: '' },
  },
});
const seconds = Number(args.seconds);
const warmup = Number(args.warmup);
const neSeconds = Number(args['node-exporter-seconds'] ?? seconds);
const root = path.resolve(import.meta.dirname, '..');
/** `--probe FILE`: another build of the executable (a before/after pair without touching dist/). */
const probe = path.resolve(args.probe ?? path.join(root, 'dist/probe'));
const nodeExporter = ['/usr/bin/prometheus-node-exporter', '/usr/bin/node_exporter'].find((p) => existsSync(p));
if (!nodeExporter) throw new Error('node_exporter not found: apt-get install prometheus-node-exporter');
const dir = mkdtempSync(path.join(os.tmpdir(), 'probe-bench-agent-'));
const children: ChildProcess[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stderr.write(`${line}\n`);
/** Other work on the machine shifts both figures; the ratio of the two, measured in one run, is what compares. */
const cpuModel = cpuModelOf();

/**
 * CPU seconds of a process's threads from their schedstat, in ns: /proc/<pid>/stat counts in
 * 10 ms ticks, which is ±0.17 ms per sample over a minute of an agent using ~2 ms a second.
 * (Threads that exited are not counted; neither process starts or ends threads while measured.)
 */
function threadCpuSeconds(pid: number): number {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return ns / 1e9;
}

/** User and system CPU seconds from /proc/<pid>/stat (10 ms ticks): how much of the time is the kernel's. */
function userSystemSeconds(pid: number): [number, number] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [Number(fields[11]) / 100, Number(fields[12]) / 100];
}

function start(command: string, argv: string[], env: NodeJS.ProcessEnv = {}): ChildProcess & { out: () => string } {
  const child = spawn(command, argv, { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }) as ChildProcess & {
    out: () => string;
  };
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  child.out = () => out;
  children.push(child);
  return child;
}

async function until<T>(what: string, fn: () => T | undefined, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const loadAtStart = loadAverage();
log(`CPU: ${cpuModel}, ${os.cpus().length} cores; load average at start ${loadAtStart}`);
try {
  const server = start(probe, ['server', '--listen', '127.0.0.1:0', '--data', path.join(dir, 'data'), '--log-level', 'warn']);
  const port = Number(await until('server', () => /open http:\/\/127\.0\.0\.1:(\d+)\//.exec(server.out())?.[1]));
  const key = /\n {2}(pk_\S+)\n/.exec(
    execFileSync(probe, ['node', 'add', 'bench', '--data', path.join(dir, 'data')], { encoding: 'utf8' }),
  )![1]!;

  // A relay that counts the bytes the agent sends.
  let agentBytes = 0;
  const relay = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    client.on('data', (chunk) => {
      agentBytes += chunk.length;
      upstream.write(chunk);
    });
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  const relayPort = (relay.address() as AddressInfo).port;

  // The agent's executable, downloaded as install.sh does.
  const agentBinary = path.join(dir, 'probe-agent');
  const download = await fetch(`http://127.0.0.1:${port}/download/probe`);
  if (!download.ok || !download.body) throw new Error(`GET /download/probe: ${download.status}`);
  await pipeline(Readable.fromWeb(download.body as ReadableStream), createWriteStream(agentBinary));
  chmodSync(agentBinary, 0o755);
  if (args.cold) {
    execFileSync('sync');
    try {
      writeFileSync('/proc/sys/vm/drop_caches', '3');
    } catch (err) {
      throw new Error(`--cold drops the page cache and needs root: ${(err as Error).message}`);
    }
  }
  // `--agent-script dist/probe.cjs --agent-node-args="--cpu-prof --cpu-prof-dir=/tmp/prof"`: the same
  // agent code from the bundle under this node, to profile it or try V8 flags (RSS then differs).
  const agentCommand = args['agent-script']
    ? [process.execPath, ...args['agent-node-args'].split(' ').filter(Boolean), path.resolve(args['agent-script'])]
    : [agentBinary];
  const agent = start(
    agentCommand[0]!,
    [
      ...agentCommand.slice(1),
      'agent',
      '--server',
      `ws://127.0.0.1:${relayPort}`,
      '--interval',
      '1s',
      '--state-dir',
      path.join(dir, 'agent-state'),
    ],
    { PROBE_KEY: key },
  );
  await until('agent connected', () => /connected to server/.test(agent.out()) || undefined);
  await sleep(warmup * 1000);
  log(`agent: measuring ${seconds} s`);
  const a0 = threadCpuSeconds(agent.pid!);
  const [u0, s0] = userSystemSeconds(agent.pid!);
  const b0 = agentBytes;
  const t0 = Date.now();
  let agentRss = 0;
  let agentSplit = { anon: 0, file: 0, filePmd: 0 };
  let nextMinute = t0 + 60_000;
  while (Date.now() - t0 < seconds * 1000) {
    await sleep(Math.min(5000, t0 + seconds * 1000 - Date.now()));
    const rss = rssMB(agent.pid!);
    if (rss > agentRss) [agentRss, agentSplit] = [rss, rssSplitMB(agent.pid!)];
    if (seconds >= 300 && Date.now() >= nextMinute) {
      const split = rssSplitMB(agent.pid!);
      log(
        `  minute ${Math.round((Date.now() - t0) / 60_000)}: RSS ${rss.toFixed(1)} MB (private ${split.anon.toFixed(1)}, executable pages ${split.file.toFixed(1)})`,
      );
      nextMinute += 60_000;
    }
  }
  const agentCpu = threadCpuSeconds(agent.pid!) - a0;
  const [u1, s1] = userSystemSeconds(agent.pid!);
  const samples = (Date.now() - t0) / 1000; // one per second
  const agentWire = (agentBytes - b0) / samples;
  agent.kill('SIGTERM');
  await new Promise((r) => agent.once('exit', r)); // a --cpu-prof profile is written at exit
  server.kill('SIGTERM');
  relay.close();

  const nePort = 19_100 + Math.floor(Math.random() * 500);
  const ne = start(nodeExporter, [`--web.listen-address=127.0.0.1:${nePort}`]);
  await until('node_exporter', () => /Listening on|msg="Listening/.test(ne.out()) || undefined);
  const scrape = () => fetch(`http://127.0.0.1:${nePort}/metrics`).then((r) => r.text());
  for (let i = 0; i < 5; i++) {
    await scrape();
    await sleep(1000);
  }
  log(`node_exporter: scraping every 1 s for ${neSeconds} s`);
  const n0 = threadCpuSeconds(ne.pid!);
  let scrapes = 0;
  const nt0 = Date.now();
  while (Date.now() - nt0 < neSeconds * 1000) {
    const next = Date.now() + 1000;
    await scrape();
    scrapes++;
    await sleep(Math.max(0, next - Date.now()));
  }
  const neCpu = threadCpuSeconds(ne.pid!) - n0;
  const neRss = rssMB(ne.pid!);
  ne.kill('SIGTERM');

  const result = {
    agentCpuMsPerSample: +((agentCpu / samples) * 1000).toFixed(3),
    nodeExporterCpuMsPerScrape: +((neCpu / scrapes) * 1000).toFixed(3),
    cpuRatio: +(agentCpu / samples / (neCpu / scrapes)).toFixed(3),
    agentSystemShare: +((s1 - s0) / Math.max(0.01, u1 - u0 + s1 - s0)).toFixed(2),
    agentRssMB: +agentRss.toFixed(1),
    nodeExporterRssMB: +neRss.toFixed(1),
    wireBytesPerSample: +agentWire.toFixed(1),
    cpuModel,
    loadAverageStart: loadAtStart,
    loadAverageEnd: loadAverage(),
  };
  log(
    `agent ${result.agentCpuMsPerSample} ms CPU per sample, peak RSS ${result.agentRssMB} MB${args.cold ? ' (cold start)' : ''} (private ${agentSplit.anon.toFixed(1)} MB, executable pages ${agentSplit.file.toFixed(1)} MB, of which mapped in 2 MB folios ${agentSplit.filePmd.toFixed(1)} MB), ${result.wireBytesPerSample} bytes per sample on the wire; ${Math.round(result.agentSystemShare * 100)} % of its CPU in the kernel`,
  );
  log(`node_exporter ${result.nodeExporterCpuMsPerScrape} ms CPU per scrape, RSS ${result.nodeExporterRssMB} MB; ratio ${result.cpuRatio}`);
  log(`load average at end ${result.loadAverageEnd}`);
  console.log(JSON.stringify(result));
} finally {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
