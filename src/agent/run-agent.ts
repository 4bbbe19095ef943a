/**
 * @module The agent process: collect on a schedule, encode, hand to the connection.
 * Never loads the store, the server or the page.
 */
import { readFileSync } from 'node:fs';
import { PROTOCOL_VERSION } from '../protocol/messages';
import { ProbeError } from '../util/errors';
import type { HelloMessage } from '../protocol/messages';
import { METRIC_NAMES } from '../protocol/metrics';
import type { MetricValues } from '../protocol/metrics';
import { encodeFields, sampleFields } from '../protocol/encode';
import { VERSION } from '../version';
import { systemClock } from '../util/clock';
import { monoMs } from '../util/mono';
import type { Clock } from '../util/clock';
import { log } from '../util/log';
import { SampleBuffer } from './buffer';
import type { BufferLimits } from './buffer';
import { collectAll, platformCollectors } from './collectors/index';
import { commandsCollector } from './collectors/commands';
import type { CommandMetric } from './collectors/commands';
import { gpuCollector } from './collectors/gpu';
import { hostFacts } from './collectors/host';
import { LatencyProber } from './collectors/latency';
import { textfileCollector } from './collectors/textfile';
import type { LatencyTarget } from './collectors/latency';
import { AgentChecks } from './checks';
import type { Check } from '../checks/checks';
import { agentEndpoint, connect } from './connection';
import type { Connection } from './connection';
import { schedule } from './scheduler';

export interface AgentOptions {
  /** Servers in order of preference: the agent reports to the first that answers (see failover.ts). */
  servers: readonly string[];
  /** While on a fallback server, how often the first one is checked. */
  preferredRetryMs?: number;
  key: string;
  intervalMs: number;
  /** Directory of the on-disk sample buffer. */
  stateDir: string;
  buffer?: BufferLimits;
  /** TCP connect-time probes, none by default. */
  latencyTargets?: LatencyTarget[];
  latencyIntervalMs?: number;
  /** Directory of Prometheus text files with custom metrics (node_exporter's textfile convention). */
  textfileDir?: string;
  hostRoot?: string;
  /** Custom metric commands (from the node's own config file only). */
  commands?: CommandMetric[];
  /** Service checks (from the node's own config file only), reported in every sample. */
  checks?: Check[];
  /** PEM file of extra CA certificates for wss://. */
  ca?: string;
  /** The server's own agent on loopback: no certificate checks (see local-agent.ts). */
  insecureLoopback?: boolean;
}

export interface RunningAgent {
  readonly connection: Connection;
  stop(): void;
}

/** Time between the two readings taken at start. */
const PRIME_GAP_MS = 30;

/**
 * How often the buffer's ack state is written to disk (and at exit). After a crash the agent
 * resends at most this much already acked data, which the server drops as duplicates. Every 2 s,
 * the write and rename cost ~10 % of the agent's CPU (perf, 1 s samples).
 */
const PERSIST_EVERY_MS = 30_000;

/** The collectors `options` ask for; gpu and commands are returned too, to be stopped with the agent. */
function agentCollectors(options: AgentOptions) {
  const collectors = platformCollectors('/proc', options.hostRoot ?? '');
  if (options.textfileDir) collectors.push(textfileCollector(options.textfileDir));
  const gpu = gpuCollector(options.intervalMs);
  const commands = commandsCollector(options.commands ?? []);
  collectors.push(gpu, commands);
  return { collectors, gpu, commands };
}

/**
 * Two readings prime the rate-based collectors (so the first sample sent already has rates) and
 * show which devices (cores, interfaces, mounts, sensors) this node has: they join the schema
 * sent once in hello, so samples carry only their values. Devices that appear later travel by name.
 */
function prime(read: () => MetricValues, base: readonly string[]): { primed: MetricValues; schema: string[] } {
  read();
  // Every core's jiffies advance within 30 ms (idle counts too), so each one shows a rate.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, PRIME_GAP_MS);
  const primed = read();
  const known = new Set(base);
  const schema = [
    ...base,
    ...Object.keys(primed)
      .filter((name) => !known.has(name))
      .sort(),
  ];
  return { primed, schema };
}

/** What the agent says on each connect; the disk total is the latest one read, if any. */
function helloMessage(schema: string[], intervalMs: number, clock: Clock, diskTotalBytes: number): HelloMessage {
  return {
    type: 'hello',
    protocol: PROTOCOL_VERSION,
    agentVersion: VERSION,
    host: { ...hostFacts(clock.now()), ...(diskTotalBytes > 0 ? { diskTotalBytes } : {}) },
    metrics: schema,
    intervalMs,
    // The node's clock at connect: the server learns how far it is off and stores samples at its own time.
    ts: clock.now(),
  };
}

/** The extra CA certificates for wss://, if a file is given. */
function readCa(file: string | undefined): Buffer | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ProbeError(
      'PROBE_ERR_CONFIG',
      `cannot read the CA file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

export function runAgent(options: AgentOptions): RunningAgent {
  const prober = new LatencyProber(options.latencyTargets ?? [], options.latencyIntervalMs ?? 10_000);
  const { collectors, gpu, commands } = agentCollectors(options);
  const failed = new Set<string>();
  // The edge of the agent: the only place that picks the real clock.
  const clock = systemClock;
  const checks = new AgentChecks(options.checks ?? [], clock);
  const [url, ...fallbackUrls] = options.servers.map(agentEndpoint);
  if (!url) throw new ProbeError('PROBE_ERR_CONFIG', 'no server given: pass --server (or PROBE_SERVER) with the probe server URL');
  const start = monoMs();
  const read = () => collectAll(collectors, monoMs() - start, failed);
  const { primed, schema } = prime(read, [...METRIC_NAMES, ...prober.metricNames, ...checks.metricNames]);
  let lastDiskTotal = primed.diskTotalBytes ?? 0;
  const hello = () => helloMessage(schema, options.intervalMs, clock, lastDiskTotal);
  const buffer = new SampleBuffer(options.stateDir, options.buffer, schema);
  const connection = connect({
    url,
    fallbackUrls,
    preferredRetryMs: options.preferredRetryMs,
    key: options.key,
    hello,
    buffer,
    intervalMs: options.intervalMs,
    ca: readCa(options.ca),
    insecureLoopback: options.insecureLoopback,
    clock,
  });
  const persist = clock.every(PERSIST_EVERY_MS, () => buffer.persist()).unref();
  const phaseMs = Math.floor(Math.random() * options.intervalMs);
  const scheduler = schedule(
    options.intervalMs,
    (ts) => {
      const values = read();
      lastDiskTotal = values.diskTotalBytes ?? lastDiskTotal;
      if (buffer.dropped > 0) values.agentDroppedSamples = buffer.dropped;
      prober.collect(values);
      checks.collect(values);
      const seq = buffer.nextSeq();
      const { array, extra } = sampleFields(values, schema);
      const sample = { seq, ts, text: encodeFields(seq, ts, array, extra), ...(extra ? {} : { fields: array }) };
      buffer.append(sample, clock.now());
      connection.send(sample);
    },
    phaseMs,
    clock,
  );
  prober.start();
  checks.start();
  log.info('agent started', {
    servers: [url, ...fallbackUrls].join(','),
    intervalMs: options.intervalMs,
    stateDir: options.stateDir,
    unacked: buffer.unackedCount,
    version: VERSION,
  });
  return {
    connection,
    stop() {
      scheduler.stop();
      prober.stop();
      void checks.stop();
      gpu.stop();
      commands.stop();
      persist.cancel();
      connection.close();
      buffer.close();
    },
  };
}
