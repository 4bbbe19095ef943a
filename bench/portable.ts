/**
 * CPU cost of the portable collectors (systeminformation, as macOS and Windows agents run them)
 * against the /proc collectors, both on this Linux machine and in the same run. Counts this
 * process's CPU and that of the processes systeminformation spawns (`df`, `cat`, shells).
 * Prints ms of CPU per sample for each systeminformation call alone, for the portable path as
 * scheduled (fsSize once a minute, network counters every 5 s, at one sample a second) and for the
 * /proc path; the last line is JSON. The collectors run on a clock of the benchmark's own, one
 * second a sample, without waiting real seconds; each background refresh is awaited in its sample.
 * Usage: npm run bench:portable [-- --samples 60]   (a multiple of 60 holds whole fsSize periods)
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { whenIdle } from '../src/agent/collectors/background';
import type { Collector } from '../src/agent/collectors/collector';
import { diskCollector } from '../src/agent/collectors/disk';
import { platformCollectors } from '../src/agent/collectors/index';
import { networkCollector } from '../src/agent/collectors/network';
import { DISK_PERIOD_MS } from '../src/agent/collectors/portable-disk';
import { isPortablePhysical, NETWORK_PERIOD_MS } from '../src/agent/collectors/portable-network';
import { portableCollectors } from '../src/agent/collectors/portable';
import { ProcFile } from '../src/agent/collectors/proc-file';
import { systemInformation } from '../src/agent/collectors/system-information';
import type { MetricValues } from '../src/protocol/metrics';
import { reapedChildrenCpuSeconds } from './proc-stats';

const { values: args } = parseArgs({ options: { samples: { type: 'string', default: '60' } } });
const samples = Number(args.samples);
if (process.platform !== 'linux') throw new Error('compares with /proc: run it on Linux');
const SAMPLE_MS = 1000;
/** systeminformation answers networkStats from its cache within 500 ms of the last read. */
const SI_CACHE_MS = 510;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Cpu {
  ownMs: number;
  childrenMs: number;
}

function cpuNow(): Cpu {
  const { user, system } = process.cpuUsage();
  return { ownMs: (user + system) / 1000, childrenMs: reapedChildrenCpuSeconds(process.pid) * 1000 };
}

/** CPU of `work` alone: the time between calls (sleeps) is not counted. */
class CpuMeter {
  ownMs = 0;
  childrenMs = 0;
  async measure(work: () => Promise<unknown>): Promise<void> {
    const before = cpuNow();
    await work();
    const after = cpuNow();
    this.ownMs += after.ownMs - before.ownMs;
    this.childrenMs += after.childrenMs - before.childrenMs;
  }
  perRun(runs: number) {
    const round = (ms: number) => Math.round((ms / runs) * 1000) / 1000;
    return { ms: round(this.ownMs + this.childrenMs), ownMs: round(this.ownMs), childrenMs: round(this.childrenMs) };
  }
}

/** Loading the module in a plain Node, as the executable does (tsx's loader would add its own cost): median of 3. */
function loadMs(): number {
  const script =
    "const c = process.cpuUsage(); require('systeminformation'); const d = process.cpuUsage(c); console.log((d.user + d.system) / 1000)";
  const runs = [0, 1, 2].map(() => Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }))).sort((a, b) => a - b);
  return runs[1]!;
}

const si = systemInformation();
const ifaces = (await si.networkInterfaces())
  .filter(isPortablePhysical)
  .map((i) => i.iface)
  .join(',');

async function eachCall(name: string, call: () => Promise<unknown>, gapMs = 0) {
  const meter = new CpuMeter();
  await call();
  for (let i = 0; i < samples; i++) {
    await sleep(gapMs);
    await meter.measure(call);
  }
  const cost = meter.perRun(samples);
  log(`  ${name.padEnd(28)} ${cost.ms.toFixed(3)} ms (${cost.childrenMs.toFixed(3)} in spawned processes)`);
  return cost;
}

/** `samples` samples a second apart on the collectors' clock, each background refresh awaited. */
async function scheduled(make: (now: () => number) => Collector[]) {
  let t = 0;
  const collectors = make(() => t);
  const meter = new CpuMeter();
  for (let i = 0; i < samples; i++) {
    t = i * SAMPLE_MS;
    if (t % NETWORK_PERIOD_MS === 0) await sleep(SI_CACHE_MS);
    await meter.measure(async () => {
      const out: MetricValues = {};
      for (const c of collectors) c.collect(out, t);
      await whenIdle(collectors);
    });
  }
  return meter.perRun(samples);
}

log(`CPU: ${os.cpus()[0]?.model} (${os.cpus().length} cores), Node ${process.version}, ${samples} samples`);
const siLoadMs = loadMs();
log(`loading systeminformation: ${siLoadMs.toFixed(1)} ms once (never on the /proc path)`);
log('systeminformation, each call alone, ms CPU per call:');
const calls = {
  fsSize: await eachCall('fsSize()', () => si.fsSize()),
  networkInterfaces: await eachCall('networkInterfaces(false)', () => si.networkInterfaces()),
  networkStats: await eachCall(`networkStats('${ifaces}')`, () => si.networkStats(ifaces), SI_CACHE_MS),
};
const portable = await scheduled((now) => portableCollectors(systemInformation(), now));
const proc = await scheduled(() => platformCollectors('/proc'));
const portableDiskNet = await scheduled((now) =>
  portableCollectors(systemInformation(), now).filter((c) => c.name === 'disk' || c.name === 'network'),
);
const procDiskNet = await scheduled(() => [diskCollector(new ProcFile('/proc/mounts')), networkCollector(new ProcFile('/proc/net/dev'))]);
const ratio = Math.round((portable.ms / proc.ms) * 10) / 10;
const diskNetRatio = Math.round(portableDiskNet.ms / procDiskNet.ms);
const diskEvery = DISK_PERIOD_MS / SAMPLE_MS;
const netEvery = NETWORK_PERIOD_MS / SAMPLE_MS;
log(
  `portable path as scheduled (fsSize every ${diskEvery} samples, network every ${netEvery}): ${portable.ms.toFixed(3)} ms per sample (${portable.childrenMs.toFixed(3)} in spawned processes)`,
);
log(`/proc path (every Linux collector, more metrics): ${proc.ms.toFixed(3)} ms per sample; portable / proc: ${ratio}x`);
log(
  `disk and network alone: portable ${portableDiskNet.ms.toFixed(3)} ms, /proc ${procDiskNet.ms.toFixed(3)} ms per sample; portable / proc: ${diskNetRatio}x`,
);
console.log(
  JSON.stringify({
    cpuModel: os.cpus()[0]?.model,
    samples,
    siLoadMs,
    siCallMs: calls,
    portableMsPerSample: portable,
    procMsPerSample: proc,
    ratio,
    diskNet: { portableMsPerSample: portableDiskNet, procMsPerSample: procDiskNet, ratio: diskNetRatio },
  }),
);
