/**
 * @module The agent process: collect on a schedule, encode, hand to the connection.
 * Never loads the store, the server or the page.
 */
import { PROTOCOL_VERSION } from '../protocol/messages';
import type { HelloMessage } from '../protocol/messages';
import { METRIC_NAMES } from '../protocol/metrics';
import { encodeSample } from '../protocol/encode';
import { VERSION } from '../version';
import { log } from '../util/log';
import { collectAll, platformCollectors } from './collectors/index';
import { hostFacts } from './collectors/host';
import { agentEndpoint, connect } from './connection';
import type { Connection } from './connection';
import { schedule } from './scheduler';

export interface AgentOptions {
  server: string;
  key: string;
  intervalMs: number;
}

export interface RunningAgent {
  readonly connection: Connection;
  stop(): void;
}

/** Samples kept in memory while the server is away: one hour at the default interval. */
const MAX_BUFFERED = 3600;

export function runAgent(options: AgentOptions): RunningAgent {
  const schema = [...METRIC_NAMES];
  const collectors = platformCollectors();
  const failed = new Set<string>();
  const url = agentEndpoint(options.server);
  const start = performance.now();
  const hello = (): HelloMessage => ({
    type: 'hello',
    protocol: PROTOCOL_VERSION,
    agentVersion: VERSION,
    host: hostFacts(Date.now()),
    metrics: schema,
    intervalMs: options.intervalMs,
  });
  const connection = connect({
    url,
    key: options.key,
    hello,
    maxBuffered: MAX_BUFFERED,
    silenceTimeoutMs: Math.max(3 * options.intervalMs, 10_000),
  });
  // Prime rate-based collectors so the first sample sent already has cpu and network rates.
  collectAll(collectors, performance.now() - start, failed);
  let seq = 0;
  const phaseMs = Math.floor(Math.random() * options.intervalMs);
  const scheduler = schedule(options.intervalMs, (ts) => {
    const values = collectAll(collectors, performance.now() - start, failed);
    seq++;
    connection.send(seq, encodeSample(seq, ts, values, schema));
  }, phaseMs);
  log.info('agent started', { server: url, intervalMs: options.intervalMs, version: VERSION });
  return {
    connection,
    stop() {
      scheduler.stop();
      connection.close();
    },
  };
}
