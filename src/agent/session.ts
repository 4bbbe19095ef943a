/**
 * @module The agent's side of the protocol as a state machine on an injected clock, with no socket
 * of its own: which samples are in flight, what an ack covers, the backfill cursor and its pacing,
 * silence detection and reconnect backoff. `connection.ts` feeds it the socket's events.
 */
import type { HelloMessage } from '../protocol/messages';
import { parseServerMessage } from '../protocol/parse-server';
import { encodeCompact } from '../protocol/compact';
import type { Fields } from '../protocol/compact';
import type { Clock, Timer } from '../util/clock';
import { log } from '../util/log';
import { backoffDelay } from './backoff';
import type { BufferedSample, SampleBuffer } from './buffer';
import { PREFERRED_RETRY_MS, PreferredWatch, ServerChoice, reachable } from './failover';

/** Time between two backfill steps while the socket keeps up. */
export const BACKFILL_STEP_MS = 100;
/** Backfill pauses while this much is still waiting in the socket. */
export const BACKFILL_HIGH_WATER = 256 * 1024;
/** Until the server says how often it acks, assume the protocol's default. */
export const DEFAULT_ACK_INTERVAL_MS = 5000;
/** Server errors logged once per agent run, not once per connection. */
const ONCE_PER_RUN: ReadonlySet<string> = new Set(['PROBE_ERR_METRIC_BUDGET']);

/**
 * How long the agent waits for a word from the server before it presumes the connection dead.
 * The server acks at most every ackIntervalMs: with samples less often than that, every sample
 * is acked and two intervals of silence mean a dead link; with samples more often, an ack is due
 * every ackIntervalMs, and one interval on top covers the commit and the network.
 */
export function silenceTimeout(ackIntervalMs: number, intervalMs: number): number {
  return Math.max(ackIntervalMs, intervalMs) + intervalMs;
}

/** An open connection to the server, as the session sees it. */
export interface Link {
  send(frame: string): void;
  /** False once the connection started closing: nothing more is sent on it. */
  readonly open: boolean;
  /** Bytes sent but not yet handed to the network. */
  readonly bufferedAmount: number;
  /** Drops the connection without a closing handshake (a dead link would never answer one). */
  terminate(): void;
  /**
   * Reads what the server has sent by now, then stops reading until called again (sending does
   * not need reading); `then` runs after that read.
   */
  readThenRest(then?: () => void): void;
}

/** The part of the on-disk buffer the session reads and acks. */
export type SessionBuffer = Pick<SampleBuffer, 'unacked' | 'ack' | 'nextSeq' | 'unackedCount'>;

export interface SessionOptions {
  buffer: SessionBuffer;
  hello: () => HelloMessage;
  intervalMs: number;
  clock: Clock;
  /** Opens a new connection to `url`; its events come back through opened/received/closed. */
  dial: (url: string) => void;
  /** The preferred server. */
  url: string;
  /** Servers tried in turn when the one in use fails (see failover.ts). */
  fallbackUrls?: readonly string[];
  /** While on a fallback, how often the preferred server is checked. */
  preferredRetryMs?: number;
  /** Whether a server accepts connections; a TCP connect unless a test says otherwise. */
  reachable?: (url: string) => Promise<boolean>;
  /** Older samples sent per backfill step. */
  backfillBatch?: number;
  random?: () => number;
}

export class AgentSession {
  readonly stats = { connected: false, backfilled: 0 };
  private readonly buffer: SessionBuffer;
  private readonly clock: Clock;
  private readonly batch: number;
  private readonly random: () => number;
  private link: Link | null = null;
  private attempt = 0;
  private stopped = false;
  private retryTimer: Timer | null = null;
  private silenceTimer: Timer | null = null;
  private backfillTimer: Timer | null = null;
  /** Seqs sent on the current link, in send order, not acked yet. */
  private inflight: number[] = [];
  /** Samples from this seq on go live; older unacked ones are backfilled. */
  private liveFrom = 0;
  private backfillCursor = 0;
  private silenceMs: number;
  /** Compact frames for live samples once the server's welcome offers them; `compactPrev` is the previous one's fields. */
  private compact = false;
  private compactPrev: Fields | null = null;
  /** Messages from the server ignored on this connection (not part of the protocol). */
  private ignoredMessages = 0;
  private lastWarning = '';
  /** The server said `hold` and has not acked since. */
  private holding = false;
  private readonly loggedCodes = new Set<string>();
  private readonly servers: ServerChoice;
  private readonly preferred: PreferredWatch;
  /** The link is being dropped to go back to the preferred server. */
  private returning = false;
  /** The server welcomed this link. */
  private welcomed = false;
  /** The link reads only when a live sample goes out (see send). */
  private resting = false;

  constructor(private readonly options: SessionOptions) {
    this.buffer = options.buffer;
    this.clock = options.clock;
    this.batch = options.backfillBatch ?? 100;
    this.random = options.random ?? Math.random;
    this.silenceMs = silenceTimeout(DEFAULT_ACK_INTERVAL_MS, options.intervalMs);
    this.servers = new ServerChoice([options.url, ...(options.fallbackUrls ?? [])]);
    this.preferred = new PreferredWatch(this.clock, options.preferredRetryMs ?? PREFERRED_RETRY_MS, options.reachable ?? reachable);
  }

  /** How long the server may stay silent before the link is given up on. */
  get silenceTimeoutMs(): number {
    return this.silenceMs;
  }

  /** Dials the first connection. */
  start(): void {
    if (!this.stopped) this.options.dial(this.servers.url);
  }

  /**
   * Sends a new sample at once if a connection is open; older ones wait for backfill. Once the
   * link is steady (welcomed, backfill done) it rests between samples: what the server sent since
   * the last one (its ack, at a time of its choosing) is read now, while the agent is awake anyway,
   * instead of waking it once more each interval.
   */
  send(sample: BufferedSample): void {
    const link = this.link;
    if (!link?.open || sample.seq < this.liveFrom) return;
    this.transmit(link, sample);
    if (this.welcomed && this.backfillTimer === null) {
      this.resting = true;
      link.readThenRest();
    }
  }

  /** The connection is open: hello, then live samples from the buffer's next seq and backfill before it. */
  opened(link: Link): void {
    this.link = link;
    this.stats.connected = true;
    this.inflight = [];
    this.compact = false;
    this.compactPrev = null;
    this.welcomed = false;
    this.resting = false;
    this.liveFrom = this.buffer.nextSeq();
    this.backfillCursor = 0;
    this.stats.backfilled = 0;
    link.send(JSON.stringify(this.options.hello()));
    this.armSilence();
    this.backfillTimer = this.clock.after(0, () => this.backfillStep());
  }

  /** A frame from the server: its text, or null for a binary frame (never part of the protocol). */
  received(text: string | null): void {
    this.armSilence();
    const parsed = text === null ? null : parseServerMessage(text);
    if (!parsed?.ok) {
      // A broken or hostile server must not stop the agent: the first one is logged, the rest counted.
      if (this.ignoredMessages++ === 0)
        log.warn(
          'ignoring a message from the server that is not part of the protocol',
          parsed ? { code: parsed.code, error: parsed.message } : { code: 'PROBE_ERR_BAD_MESSAGE', error: 'binary frame' },
        );
      return;
    }
    const msg = parsed.value;
    if (msg.type === 'hold') {
      // Alive but not storing (its disk is full): keep everything and stay connected; logged once per spell.
      if (!this.holding)
        log.warn('server is not storing samples; keeping them until it can', { reason: msg.reason, unacked: this.buffer.unackedCount });
      this.holding = true;
    } else if (msg.type === 'ack') {
      if (this.holding) log.info('server stores samples again');
      this.holding = false;
      const at = this.inflight.indexOf(msg.seq);
      if (at >= 0) this.buffer.ack(this.inflight.splice(0, at + 1));
    } else if (msg.type === 'welcome') {
      this.attempt = 0;
      this.lastWarning = '';
      this.welcomed = true;
      if (msg.ackIntervalMs !== undefined) this.silenceMs = silenceTimeout(msg.ackIntervalMs, this.options.intervalMs);
      this.compact = msg.compact === true;
      const { node, serverVersion } = msg;
      log.info('connected to server', { server: this.servers.url, node, serverVersion, unacked: this.buffer.unackedCount });
      this.armPreferred();
      if (msg.ignoredMetrics.length > 0)
        log.warn('server does not know some metrics and drops them', { metrics: msg.ignoredMetrics.join(',') });
      // Armed again: the silence allowed may have changed with the server's ack interval.
      this.armSilence();
    } else if (msg.type === 'error') {
      // A spent metric name budget is told on every connection, for as long as it lasts: once per run is enough.
      if (ONCE_PER_RUN.has(msg.code)) {
        if (this.loggedCodes.has(msg.code)) return;
        this.loggedCodes.add(msg.code);
      }
      log.warn('server reported an error', { code: msg.code, message: msg.message });
    }
  }

  /** A sign of life without a message (a WebSocket ping). */
  heard(): void {
    this.armSilence();
  }

  /** The server answered the upgrade with an HTTP status instead of a WebSocket. */
  refused(status: number): void {
    const hint =
      status === 401
        ? 'the server does not know this key: check --key, or run `probe node add` again'
        : 'is --server the probe server URL?';
    this.warnOnce('server refused the connection', { status, code: status === 401 ? 'PROBE_ERR_AUTH' : undefined, hint });
  }

  /** The connection attempt or the connection failed; `closed` follows. */
  failed(error: string): void {
    this.warnOnce('cannot reach server; retrying', { url: this.servers.url, error });
  }

  /** The connection is gone (or never opened): what was in flight stays in the buffer for the next one. */
  closed(link: Link | null): void {
    this.stats.connected = false;
    if (this.ignoredMessages > 1)
      log.warn('ignored messages from the server that are not part of the protocol', { count: this.ignoredMessages });
    this.ignoredMessages = 0;
    this.silenceTimer?.cancel();
    this.backfillTimer?.cancel();
    this.backfillTimer = null;
    this.inflight = [];
    if (this.link === link) this.link = null;
    this.preferred.cancel();
    if (this.returning) this.servers.prefer();
    else this.servers.advance();
    this.returning = false;
    this.scheduleReconnect();
  }

  /** No more timers, no more dialing; the caller closes the connection. */
  stop(): void {
    this.stopped = true;
    this.retryTimer?.cancel();
    this.silenceTimer?.cancel();
    this.silenceTimer = null;
    this.backfillTimer?.cancel();
    this.preferred.cancel();
  }

  private warnOnce(message: string, fields: Record<string, unknown>): void {
    const key = message + JSON.stringify(fields);
    if (key === this.lastWarning) return;
    this.lastWarning = key;
    log.warn(message, fields);
  }

  private armSilence(): void {
    this.silenceTimer?.cancel();
    const timer = this.clock.after(this.silenceMs, () => {
      const link = this.link;
      if (!link) return;
      const giveUp = () => {
        this.warnOnce('no word from the server; reconnecting', { afterMs: this.silenceMs });
        link.terminate();
      };
      // A resting link may hold words not read yet: read them first (each one arms a new timer).
      if (!this.resting) return giveUp();
      link.readThenRest(() => {
        if (this.silenceTimer === timer && this.link === link && !this.stopped) giveUp();
      });
    });
    this.silenceTimer = timer;
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.retryTimer) return;
    // Each server in the list gets one try per round; the delay grows round by round.
    const delay = backoffDelay(Math.floor(this.attempt++ / this.servers.urls.length), this.random());
    this.retryTimer = this.clock.after(delay, () => {
      this.retryTimer = null;
      this.start();
    });
  }

  /** While on a fallback server: back to the first one once it accepts connections. */
  private armPreferred(): void {
    this.preferred.cancel();
    if (!this.servers.onFallback || this.stopped) return;
    this.preferred.watch(this.servers.urls[0]!, () => {
      log.info('preferred server reachable again; moving back', { server: this.servers.urls[0] });
      // What is in flight stays unacked in the buffer and goes to the preferred server.
      this.returning = true;
      this.link?.terminate();
    });
  }

  private transmit(link: Link, sample: BufferedSample): void {
    this.inflight.push(sample.seq);
    if (this.compact && sample.fields) {
      const fields = [sample.seq, sample.ts, ...sample.fields];
      link.send(encodeCompact(this.compactPrev, fields));
      this.compactPrev = fields;
    } else {
      link.send(sample.text);
    }
  }

  private backfillStep(): void {
    this.backfillTimer = null;
    const link = this.link;
    if (!link?.open) return;
    if (link.bufferedAmount < BACKFILL_HIGH_WATER) {
      const older = this.buffer.unacked(this.backfillCursor, this.batch).filter((s) => s.seq < this.liveFrom);
      if (older.length === 0) {
        if (this.stats.backfilled > 0) log.info('backfill done', { samples: this.stats.backfilled });
        return;
      }
      for (const s of older) this.transmit(link, s);
      this.backfillCursor = older.at(-1)!.seq;
      this.stats.backfilled += older.length;
    }
    this.backfillTimer = this.clock.after(BACKFILL_STEP_MS, () => this.backfillStep());
  }
}
