/**
 * @module The agent's one WebSocket to the server: authenticates with the key in a header, sends
 * hello, then every new sample at once and, alongside, the older samples the server has not acked
 * (from the on-disk buffer) in batches. An ack covers the acked sample and everything sent before
 * it on the connection. Reconnects forever with jittered backoff.
 */
import WebSocket from 'ws';
import type { HelloMessage } from '../protocol/messages';
import { parseServerMessage } from '../protocol/parse-server';
import { log } from '../util/log';
import tls from 'node:tls';
import { encodeCompact } from '../protocol/compact';
import type { Fields } from '../protocol/compact';
import { backoffDelay } from './backoff';
import type { BufferedSample, SampleBuffer } from './buffer';

export interface ConnectionOptions {
  url: string;
  key: string;
  hello: () => HelloMessage;
  buffer: SampleBuffer;
  intervalMs: number;
  /** Older samples sent per backfill step (every 100 ms while the socket keeps up). */
  backfillBatch?: number;
  random?: () => number;
  /** Extra CA certificates (PEM) trusted for wss:// besides Node's built-in list. */
  ca?: Buffer;
  /** Only for the server's own in-process agent on loopback: skip certificate checks. */
  insecureLoopback?: boolean;
}

export interface Connection {
  /** Stores the sample in the buffer and sends it if connected. */
  send(sample: BufferedSample): void;
  close(): void;
  readonly stats: { connected: boolean; backfilled: number };
}

/** Turns what a person types (host:port, http(s)://host, wss://host) into the agent endpoint URL. */
export function agentEndpoint(server: string): string {
  const withScheme = /^[a-z]+:\/\//i.test(server) ? server : `ws://${server}`;
  const url = new URL(withScheme);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/ws/agent';
  return url.toString();
}

const BACKFILL_STEP_MS = 100;
/** Server errors logged once per agent run, not once per connection. */
const ONCE_PER_RUN: ReadonlySet<string> = new Set(['PROBE_ERR_METRIC_BUDGET']);
/** Backfill pauses while this much is still waiting in the socket. */
const BACKFILL_HIGH_WATER = 256 * 1024;
/** Until the server says how often it acks, assume the protocol's default. */
const DEFAULT_ACK_INTERVAL_MS = 5000;

/**
 * How long the agent waits for a word from the server before it presumes the connection dead.
 * The server acks at most every ackIntervalMs: with samples less often than that, every sample
 * is acked and two intervals of silence mean a dead link; with samples more often, an ack is due
 * every ackIntervalMs, and one interval on top covers the commit and the network.
 */
export function silenceTimeout(ackIntervalMs: number, intervalMs: number): number {
  return Math.max(ackIntervalMs, intervalMs) + intervalMs;
}

export function connect(options: ConnectionOptions): Connection {
  const { buffer } = options;
  const random = options.random ?? Math.random;
  const batch = options.backfillBatch ?? 100;
  const stats = { connected: false, backfilled: 0 };
  let ws: WebSocket | null = null;
  let attempt = 0;
  let closed = false;
  let retryTimer: NodeJS.Timeout | null = null;
  let silenceTimer: NodeJS.Timeout | null = null;
  let backfillTimer: NodeJS.Timeout | null = null;
  let lastWarning = '';
  const loggedCodes = new Set<string>();
  /** Seqs sent on the current socket, in send order, not acked yet. */
  let inflight: number[] = [];
  /** Samples from this seq on go live; older unacked ones are backfilled. */
  let liveFrom = 0;
  let backfillCursor = 0;
  let silenceTimeoutMs = silenceTimeout(DEFAULT_ACK_INTERVAL_MS, options.intervalMs);
  /** Compact frames for live samples once the server's welcome offers them; `compactPrev` is the previous one's fields. */
  let compact = false;
  let compactPrev: Fields | null = null;
  /** Messages from the server ignored on this connection (not part of the protocol). */
  let ignoredMessages = 0;

  const warnOnce = (message: string, fields: Record<string, unknown>) => {
    const key = message + JSON.stringify(fields);
    if (key === lastWarning) return;
    lastWarning = key;
    log.warn(message, fields);
  };

  const armSilence = () => {
    if (silenceTimer) clearTimeout(silenceTimer);
    silenceTimer = setTimeout(() => {
      warnOnce('no word from the server; reconnecting', { afterMs: silenceTimeoutMs });
      ws?.terminate();
    }, silenceTimeoutMs);
  };

  const scheduleReconnect = () => {
    if (closed || retryTimer) return;
    const delay = backoffDelay(attempt++, random());
    retryTimer = setTimeout(() => {
      retryTimer = null;
      open();
    }, delay);
  };

  const transmit = (socket: WebSocket, sample: BufferedSample) => {
    inflight.push(sample.seq);
    if (compact && sample.fields) {
      const fields = [sample.seq, sample.ts, ...sample.fields];
      socket.send(encodeCompact(compactPrev, fields));
      compactPrev = fields;
    } else {
      socket.send(sample.text);
    }
  };

  const backfillStep = () => {
    backfillTimer = null;
    const socket = ws;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    if (socket.bufferedAmount < BACKFILL_HIGH_WATER) {
      const older = buffer.unacked(backfillCursor, batch).filter((s) => s.seq < liveFrom);
      if (older.length === 0) {
        if (stats.backfilled > 0) log.info('backfill done', { samples: stats.backfilled });
        return;
      }
      for (const s of older) transmit(socket, s);
      backfillCursor = older.at(-1)!.seq;
      stats.backfilled += older.length;
    }
    backfillTimer = setTimeout(backfillStep, BACKFILL_STEP_MS);
  };

  const onMessage = (data: WebSocket.RawData, isBinary: boolean) => {
    armSilence();
    const parsed = isBinary ? null : parseServerMessage(data.toString());
    if (!parsed?.ok) {
      // A broken or hostile server must not stop the agent: the first one is logged, the rest counted.
      if (ignoredMessages++ === 0) log.warn('ignoring a message from the server that is not part of the protocol', parsed ? { code: parsed.code, error: parsed.message } : { code: 'PROBE_ERR_BAD_MESSAGE', error: 'binary frame' });
      return;
    }
    const msg = parsed.value;
    if (msg.type === 'ack') {
      const at = inflight.indexOf(msg.seq);
      if (at >= 0) buffer.ack(inflight.splice(0, at + 1));
    } else if (msg.type === 'welcome') {
      attempt = 0;
      lastWarning = '';
      if (msg.ackIntervalMs !== undefined) silenceTimeoutMs = silenceTimeout(msg.ackIntervalMs, options.intervalMs);
      compact = msg.compact === true;
      log.info('connected to server', { node: msg.node, serverVersion: msg.serverVersion, unacked: buffer.unackedCount });
      if (msg.ignoredMetrics.length > 0) log.warn('server does not know some metrics and drops them', { metrics: msg.ignoredMetrics.join(',') });
      armSilence();
    } else if (msg.type === 'error') {
      // A spent metric name budget is told on every connection, for as long as it lasts: once per run is enough.
      if (ONCE_PER_RUN.has(msg.code)) {
        if (loggedCodes.has(msg.code)) return;
        loggedCodes.add(msg.code);
      }
      log.warn('server reported an error', { code: msg.code, message: msg.message });
    }
  };

  const open = () => {
    if (closed) return;
    const socket = new WebSocket(options.url, {
      headers: { Authorization: `Bearer ${options.key}` },
      perMessageDeflate: false,
      maxPayload: 1024 * 1024,
      handshakeTimeout: 10_000,
      ...(options.ca ? { ca: [...tls.rootCertificates, options.ca.toString('utf8')] } : {}),
      ...(options.insecureLoopback ? { rejectUnauthorized: false } : {}),
    });
    ws = socket;
    socket.on('open', () => {
      stats.connected = true;
      inflight = [];
      compact = false;
      compactPrev = null;
      liveFrom = buffer.nextSeq();
      backfillCursor = 0;
      stats.backfilled = 0;
      socket.send(JSON.stringify(options.hello()));
      armSilence();
      backfillTimer = setTimeout(backfillStep, 0);
    });
    socket.on('message', onMessage);
    socket.on('ping', armSilence);
    socket.on('unexpected-response', (_req, res) => {
      const hint = res.statusCode === 401 ? 'the server does not know this key: check --key, or run `probe node add` again' : 'is --server the probe server URL?';
      warnOnce('server refused the connection', { status: res.statusCode, code: res.statusCode === 401 ? 'PROBE_ERR_AUTH' : undefined, hint });
      socket.terminate();
    });
    socket.on('error', (err) => warnOnce('cannot reach server; retrying', { url: options.url, error: err.message }));
    socket.on('close', () => {
      stats.connected = false;
      if (ignoredMessages > 1) log.warn('ignored messages from the server that are not part of the protocol', { count: ignoredMessages });
      ignoredMessages = 0;
      if (silenceTimer) clearTimeout(silenceTimer);
      if (backfillTimer) clearTimeout(backfillTimer);
      backfillTimer = null;
      // What was in flight stays in the buffer and is sent again on the next connection.
      inflight = [];
      if (ws === socket) ws = null;
      scheduleReconnect();
    });
  };

  open();

  return {
    stats,
    send(sample) {
      if (ws && ws.readyState === WebSocket.OPEN && sample.seq >= liveFrom) transmit(ws, sample);
    },
    close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      if (silenceTimer) clearTimeout(silenceTimer);
      if (backfillTimer) clearTimeout(backfillTimer);
      ws?.close(1000, 'agent stopping');
    },
  };
}
