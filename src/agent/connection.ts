/**
 * @module The agent's one WebSocket to the server: authenticates with the key in a header, sends
 * hello then samples, keeps every sample until the server acks it, resends the rest after a
 * reconnect, and reconnects forever with jittered backoff.
 */
import WebSocket from 'ws';
import type { HelloMessage, ServerMessage } from '../protocol/messages';
import { log } from '../util/log';
import { backoffDelay } from './backoff';

export interface ConnectionOptions {
  url: string;
  key: string;
  hello: () => HelloMessage;
  /** Most samples kept while unacknowledged; the oldest are dropped beyond it. */
  maxBuffered: number;
  /** Connection presumed dead after this long without a message from the server. */
  silenceTimeoutMs: number;
  random?: () => number;
}

export interface Connection {
  /** Queues one encoded sample (see protocol/encode.ts) until the server acks `seq`. */
  send(seq: number, text: string): void;
  close(): void;
  readonly stats: { connected: boolean; buffered: number; dropped: number; acked: number };
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

export function connect(options: ConnectionOptions): Connection {
  const random = options.random ?? Math.random;
  const pending: { seq: number; text: string }[] = [];
  const stats = { connected: false, buffered: 0, dropped: 0, acked: 0 };
  let ws: WebSocket | null = null;
  let attempt = 0;
  let closed = false;
  let retryTimer: NodeJS.Timeout | null = null;
  let silenceTimer: NodeJS.Timeout | null = null;
  let lastError = '';

  const warnOnce = (message: string, fields: Record<string, unknown>) => {
    if (message + JSON.stringify(fields) === lastError) return;
    lastError = message + JSON.stringify(fields);
    log.warn(message, fields);
  };

  const armSilence = () => {
    if (silenceTimer) clearTimeout(silenceTimer);
    silenceTimer = setTimeout(() => {
      warnOnce('no word from the server; reconnecting', { afterMs: options.silenceTimeoutMs });
      ws?.terminate();
    }, options.silenceTimeoutMs);
  };

  const scheduleReconnect = () => {
    if (closed || retryTimer) return;
    const delay = backoffDelay(attempt++, random());
    retryTimer = setTimeout(() => {
      retryTimer = null;
      open();
    }, delay);
  };

  const onMessage = (data: WebSocket.RawData) => {
    armSilence();
    let msg: ServerMessage;
    try {
      msg = JSON.parse(data.toString()) as ServerMessage;
    } catch {
      return;
    }
    if (msg.type === 'ack') {
      let n = 0;
      while (n < pending.length && pending[n]!.seq <= msg.seq) n++;
      pending.splice(0, n);
      stats.acked += n;
      stats.buffered = pending.length;
    } else if (msg.type === 'welcome') {
      attempt = 0;
      lastError = '';
      log.info('connected to server', { node: msg.node, serverVersion: msg.serverVersion, backlog: pending.length });
      if (msg.ignoredMetrics.length > 0) log.warn('server does not know some metrics and drops them', { metrics: msg.ignoredMetrics.join(',') });
    } else if (msg.type === 'error') {
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
    });
    ws = socket;
    socket.on('open', () => {
      stats.connected = true;
      socket.send(JSON.stringify(options.hello()));
      for (const p of pending) socket.send(p.text);
      armSilence();
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
      if (silenceTimer) clearTimeout(silenceTimer);
      if (ws === socket) ws = null;
      scheduleReconnect();
    });
  };

  open();

  return {
    stats,
    send(seq, text) {
      pending.push({ seq, text });
      if (pending.length > options.maxBuffered) {
        pending.shift();
        stats.dropped++;
      }
      stats.buffered = pending.length;
      if (ws && ws.readyState === WebSocket.OPEN) ws.send(text);
    },
    close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      if (silenceTimer) clearTimeout(silenceTimer);
      ws?.close(1000, 'agent stopping');
    },
  };
}
