/**
 * Agent cost benchmark: the built agent at 1 s against the real server on loopback, and over the
 * same seconds Prometheus node_exporter scraped at 1 s. Prints agent CPU per sample, node_exporter
 * CPU per scrape, their ratio, both RSS figures, and the agent's bytes on the wire per sample
 * (counted by a TCP relay between agent and server, WebSocket framing included).
 * Usage: npm run bench:agent [-- --seconds 60 --warmup 5]   (needs: apt-get install prometheus-node-exporter)
 * Both are measured in one window, so they see the same machine: on a shared VM the cost of the
 * same work moves by ×2–×4 from one minute to the next, and a ratio of two minutes moved with it
 * (`--apart` measures them one after the other, as this bench did before). In the same window an
 * empty Node timer (`setInterval(() => {}, 1000)` under a copy of this node) is measured too: what any
 * process that wakes once a second pays on this machine before it does any work (`--no-floor`
 * leaves it out). Then, for 10 s, the 4 KB pages each of them touches per second (private memory
 * and mapped files, from /proc/<pid>/clear_refs and smaps): on a VM whose host ages the guest's
 * memory, every page a once-a-second process touches costs it a fresh mapping each second (see
 * `bench:agent-wake`), so this is the figure to cut there, and it does not move with the neighbours.
 * An hour of the agent: `-- --seconds 3600 --node-exporter-seconds 120` (node_exporter then runs
 * apart, after the agent; its cost per scrape settles within a minute); runs of 5 minutes or more
 * print the agent's RSS every minute.
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
import { executableCopy } from './children';
import { cpuModel as cpuModelOf, loadAverage, pagesPerSecond, rssMB, rssSplitMB } from './proc-stats';
import type { PagesTouched } from './proc-stats';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    'node-exporter-seconds': { type: 'string' },
    warmup: { type: 'string', default: '5' },
    cold: { type: 'boolean', default: false },
    'agent-script': { type: 'string' },
    probe: { type: 'string' },
    'agent-node-args': { type: 'string', default: '' },
    apart: { type: 'boolean', default: false },
    'no-floor': { type: 'boolean', default: false },
  },
});
const seconds = Number(args.seconds);
const warmup = Number(args.warmup);
const neSeconds = Number(args['node-exporter-seconds'] ?? seconds);
const root = path.resolve(import.meta.dirname, '..');
/** One-second reads of the pages each process touched (see pagesPerSecond). */
const PAGE_SECONDS = 10;
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

/**
 * A copy of this node of its own (`executableCopy`), as the agent's is: the empty timer runs from it.
 * Run from this node's own file, it shared its pages with this bench, which wakes every second too:
 * 0.42 ms a second, where the next run, from a copy, measured 1.00.
 */
const privateNode = () => executableCopy(process.execPath, path.join(dir, 'node'));

/** node_exporter on a free loopback port, scraped every second until stopped. */
async function startNodeExporter() {
  const port = 19_100 + Math.floor(Math.random() * 500);
  const ne = start(nodeExporter!, [`--web.listen-address=127.0.0.1:${port}`]);
  await until('node_exporter', () => /Listening on|msg="Listening/.test(ne.out()) || undefined);
  const scrape = () => fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
  let scrapes = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const next = Date.now() + 1000;
      await scrape();
      scrapes++;
      await sleep(Math.max(0, next - Date.now()));
    }
  })();
  return {
    pid: ne.pid!,
    cpu: () => threadCpuSeconds(ne.pid!),
    scrapes: () => scrapes,
    rss: () => rssMB(ne.pid!),
    async stop() {
      stopped = true;
      await loop;
      ne.kill('SIGTERM');
    },
  };
}

/** `--apart`: node_exporter alone after the agent, 5 warm-up scrapes, then `--node-exporter-seconds` of scrapes. */
async function nodeExporterApart(): Promise<{ cpu: number; scrapes: number; rss: number }> {
  const exporter = await startNodeExporter();
  await sleep(5000);
  log(`node_exporter: scraping every 1 s for ${neSeconds} s`);
  const [n0, scrapes0] = [exporter.cpu(), exporter.scrapes()];
  await sleep(neSeconds * 1000);
  const result = { cpu: exporter.cpu() - n0, scrapes: exporter.scrapes() - scrapes0, rss: exporter.rss() };
  await exporter.stop();
  return result;
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
  // Together (the default): node_exporter, scraped every second, and the empty timer run beside the
  // agent from its warm-up on and are measured over the agent's own window.
  const together = !args.apart && args['node-exporter-seconds'] === undefined;
  const exporter = together ? await startNodeExporter() : null;
  const floor = together && !args['no-floor'] ? start(await privateNode(), ['-e', 'setInterval(() => {}, 1000)']) : null;
  await sleep(warmup * 1000);
  log(
    together
      ? `agent, node_exporter${floor ? ' and an empty Node timer' : ''}: measuring ${seconds} s together`
      : `agent: measuring ${seconds} s`,
  );
  const a0 = threadCpuSeconds(agent.pid!);
  const [u0, s0] = userSystemSeconds(agent.pid!);
  const f0 = floor ? threadCpuSeconds(floor.pid!) : 0;
  const n0 = exporter ? exporter.cpu() : 0;
  const scrapes0 = exporter ? exporter.scrapes() : 0;
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
  const floorMsPerSecond = floor ? ((threadCpuSeconds(floor.pid!) - f0) / ((Date.now() - t0) / 1000)) * 1000 : null;
  const samples = (Date.now() - t0) / 1000; // one per second
  const agentWire = (agentBytes - b0) / samples;
  const neCpu = exporter ? exporter.cpu() - n0 : 0;
  // After the CPU window, since clearing the marks makes the next touch of each page dearer on some VMs.
  log(`pages touched: ${PAGE_SECONDS} one-second reads`);
  const pages = await pagesPerSecond({ agent: agent.pid!, nodeExporter: exporter?.pid, emptyTimer: floor?.pid }, PAGE_SECONDS);
  const neScrapes = exporter ? exporter.scrapes() - scrapes0 : 0;
  const neRssTogether = exporter ? exporter.rss() : 0;
  await exporter?.stop();
  agent.kill('SIGTERM');
  await new Promise((r) => agent.once('exit', r)); // a --cpu-prof profile is written at exit
  server.kill('SIGTERM');
  relay.close();
  const ne = exporter ? { cpu: neCpu, scrapes: neScrapes, rss: neRssTogether } : await nodeExporterApart();

  const result = {
    agentCpuMsPerSample: +((agentCpu / samples) * 1000).toFixed(3),
    nodeExporterCpuMsPerScrape: +((ne.cpu / ne.scrapes) * 1000).toFixed(3),
    cpuRatio: +(agentCpu / samples / (ne.cpu / ne.scrapes)).toFixed(3),
    measured: together ? 'together' : 'apart',
    /** An empty Node timer's CPU per second in the same window (null when not measured). */
    emptyTimerMsPerSecond: floorMsPerSecond === null ? null : +floorMsPerSecond.toFixed(3),
    /** 4 KB pages touched per second, private (anon) and of mapped files, by process. */
    pagesPerSecond: pages,
    agentSystemShare: +((s1 - s0) / Math.max(0.01, u1 - u0 + s1 - s0)).toFixed(2),
    agentRssMB: +agentRss.toFixed(1),
    nodeExporterRssMB: +ne.rss.toFixed(1),
    wireBytesPerSample: +agentWire.toFixed(1),
    cpuModel,
    loadAverageStart: loadAtStart,
    loadAverageEnd: loadAverage(),
  };
  log(
    `agent ${result.agentCpuMsPerSample} ms CPU per sample, peak RSS ${result.agentRssMB} MB${args.cold ? ' (cold start)' : ''} (private ${agentSplit.anon.toFixed(1)} MB, executable pages ${agentSplit.file.toFixed(1)} MB, of which mapped in 2 MB folios ${agentSplit.filePmd.toFixed(1)} MB), ${result.wireBytesPerSample} bytes per sample on the wire; ${Math.round(result.agentSystemShare * 100)} % of its CPU in the kernel`,
  );
  log(
    `node_exporter ${result.nodeExporterCpuMsPerScrape} ms CPU per scrape, RSS ${result.nodeExporterRssMB} MB; ratio ${result.cpuRatio} (measured ${result.measured})`,
  );
  if (result.emptyTimerMsPerSecond !== null)
    log(
      `an empty Node timer in the same window: ${result.emptyTimerMsPerSecond} ms CPU per second (${(result.emptyTimerMsPerSecond / result.nodeExporterCpuMsPerScrape).toFixed(3)} of node_exporter): what waking once a second costs here before any work`,
    );
  const pageLine = (p: PagesTouched | undefined) => (p ? `${p.anon + p.file} (private ${p.anon}, mapped files ${p.file})` : 'not read');
  log(
    `4 KB pages touched per second: agent ${pageLine(pages.agent)}, node_exporter ${pageLine(pages.nodeExporter)}, empty timer ${pageLine(pages.emptyTimer)}`,
  );
  log(`load average at end ${result.loadAverageEnd}`);
  console.log(JSON.stringify(result));
} finally {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
