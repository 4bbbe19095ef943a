/**
 * @module Picks the collectors for this platform and runs them into one set of values,
 * so a failing collector costs only its own metrics (logged once), never the sample.
 */
import type { MetricValues } from '../../protocol/metrics';
import { log } from '../../util/log';
import type { Collector } from './collector';
import { cpuCollector } from './cpu';
import { diskCollector } from './disk';
import { diskIoCollector } from './diskio';
import { loadCollector } from './load';
import { memoryCollector } from './memory';
import { networkCollector } from './network';
import { portableCollectors } from './portable';
import { ProcFile } from './proc-file';
import { processesCollector } from './processes';
import { socketsCollector } from './sockets';
import { temperatureCollector } from './temperature';
import { uptimeCollector } from './uptime';

/** False in a Linux executable (set by packaging/bundle.mjs), which leaves the portable collectors out; from source, unset. */
declare const PROBE_PORTABLE_COLLECTORS: boolean | undefined;

/**
 * `hostRoot`: in a container that shares the host's PID namespace and mounts the host's / there,
 * disk space comes from the host's mount table (PID 1's) sized through that mount.
 */
export function platformCollectors(procDir = '/proc', hostRoot = ''): Collector[] {
  // Written out here, not as a constant, so that the bundler sees the branch is dead and drops it.
  if ((typeof PROBE_PORTABLE_COLLECTORS === 'undefined' || PROBE_PORTABLE_COLLECTORS) && process.platform !== 'linux')
    return portableCollectors();
  const file = (name: string) => new ProcFile(`${procDir}/${name}`);
  return [
    cpuCollector(file('stat')),
    memoryCollector(file('meminfo')),
    hostRoot ? diskCollector(file('1/mounts'), hostRoot) : diskCollector(file('mounts')),
    diskIoCollector(file('diskstats')),
    networkCollector(file('net/dev')),
    socketsCollector(file('net/sockstat'), file('net/sockstat6')),
    loadCollector(file('loadavg')),
    uptimeCollector(file('uptime')),
    processesCollector(procDir),
    temperatureCollector(),
  ];
}

export function collectAll(collectors: readonly Collector[], monoMs: number, failed: Set<string>): MetricValues {
  const out: MetricValues = {};
  for (const c of collectors) {
    try {
      c.collect(out, monoMs);
      if (failed.delete(c.name)) log.info('collector recovered', { collector: c.name });
    } catch (err) {
      if (!failed.has(c.name))
        log.warn('collector failed; its metrics are absent until it recovers', { collector: c.name, error: (err as Error).message });
      failed.add(c.name);
    }
  }
  return out;
}
