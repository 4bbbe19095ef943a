/**
 * @module The agent's one WebSocket to the server: authenticates with the key in a header and hands
 * the socket's events to an `AgentSession` (session.ts), which decides what is sent, what an ack
 * covers, when the link is dead and when to dial again.
 */
import type WebSocket from 'ws';
import type { HelloMessage } from '../protocol/messages';
import { systemClock } from '../util/clock';
import type { Clock } from '../util/clock';
import type { BufferedSample, SampleBuffer } from './buffer';
import { AgentSession } from './session';
import type { Link } from './session';
import { builtin } from '../util/builtin';
import { openWebSocket } from './websocket';
import type { ReadSwitch } from './websocket';

export interface ConnectionOptions {
  /** The preferred server's endpoint. */
  url: string;
  /** Endpoints tried in turn when the one in use fails (see failover.ts). */
  fallbackUrls?: readonly string[];
  /** While on a fallback, how often the preferred server is checked. */
  preferredRetryMs?: number;
  key: string;
  hello: () => HelloMessage;
  buffer: SampleBuffer;
  intervalMs: number;
  /** Older samples sent per backfill step (every 100 ms while the socket keeps up). */
  backfillBatch?: number;
  random?: () => number;
  /** Drives silence, backfill pacing and reconnect delays; the system clock unless a test moves time. */
  clock?: Clock;
  /** Extra CA certificates (PEM) trusted for wss:// besides Node's built-in list. */
  ca?: Buffer;
  /** Only for the server's own in-process agent on loopback: skip certificate checks. */
  insecureLoopback?: boolean;
}

export interface Connection {
  /** Sends the sample if connected (the caller has stored it in the buffer). */
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

export function connect(options: ConnectionOptions): Connection {
  let current: Dialed | null = null;
  const session: AgentSession = new AgentSession({
    buffer: options.buffer,
    hello: options.hello,
    intervalMs: options.intervalMs,
    clock: options.clock ?? systemClock,
    url: options.url,
    fallbackUrls: options.fallbackUrls,
    preferredRetryMs: options.preferredRetryMs,
    backfillBatch: options.backfillBatch,
    random: options.random,
    dial: (url) => {
      current = dial(url, options, session);
    },
  });
  session.start();
  return {
    stats: session.stats,
    send: (sample) => session.send(sample),
    close() {
      session.stop();
      current?.close();
    },
  };
}

interface Dialed {
  /** Ends the handshake, or closes the open socket (1000). */
  close(): void;
}

/** Opens one socket and forwards its events to the session. */
function dial(url: string, options: ConnectionOptions, session: AgentSession): Dialed {
  let socket: WebSocket | null = null;
  let reading: ReadSwitch | null = null;
  const dialing = openWebSocket(
    new URL(url),
    {
      headers: { Authorization: `Bearer ${options.key}` },
      maxPayload: 1024 * 1024,
      handshakeTimeoutMs: 10_000,
      ...(options.ca ? { ca: [...builtin('node:tls').rootCertificates, options.ca.toString('utf8')] } : {}),
      ...(options.insecureLoopback ? { rejectUnauthorized: false } : {}),
    },
    {
      open: (ws, gate) => {
        socket = ws;
        reading = gate;
        adopt(ws, gate, session);
      },
      refused: (status) => {
        session.refused(status);
        session.closed(null);
      },
      failed: (message) => {
        session.failed(message);
        session.closed(null);
      },
    },
  );
  return {
    close() {
      if (!socket) return dialing.abort();
      // The closing handshake needs the server's answer read.
      reading?.start();
      socket.close(1000, 'agent stopping');
    },
  };
}

/** The open socket's events, to the session. */
function adopt(socket: WebSocket, reading: ReadSwitch, session: AgentSession): void {
  /** Reads under way (readThenRest): the socket rests once none is. */
  let reads = 0;
  const link: Link = {
    send: (frame) => socket.send(frame),
    get open() {
      return socket.readyState === socket.OPEN;
    },
    get bufferedAmount() {
      return socket.bufferedAmount;
    },
    terminate: () => socket.terminate(),
    readThenRest(then) {
      reading.start();
      reads++;
      // Two turns of the event loop: the first may have polled before reading started (a call
      // from an I/O callback); the second polls with what has arrived (an immediate pending, it
      // does not wait). Reading stops when the last read under way ends.
      setImmediate(() =>
        setImmediate(() => {
          if (--reads === 0 && socket.readyState === socket.OPEN) reading.stop();
          then?.();
        }),
      );
    },
  };
  socket.on('message', (data: WebSocket.RawData, isBinary: boolean) => session.received(isBinary ? null : data.toString()));
  socket.on('ping', () => session.heard());
  socket.on('error', (err) => session.failed(err.message));
  socket.on('close', () => session.closed(link));
  session.opened(link);
}
