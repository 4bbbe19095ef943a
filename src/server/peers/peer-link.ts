/**
 * @module Following one peer: a WebSocket to its /ws/peer with the cluster secret, each frame
 * applied through a fresh PeerIntake per connection, pings to notice a dead link, and reconnects
 * with the agents' backoff. A peer that turns out to be this server itself is not followed.
 */
import WebSocket from 'ws';
import { backoffDelay } from '../../agent/backoff';
import type { Clock, Timer } from '../../util/clock';
import { ProbeError } from '../../util/errors';
import { log } from '../../util/log';
import { MAX_PEER_FRAME_BYTES, parsePeerFrame } from './peer-frame';
import type { PeerIntake } from './peer-intake';

/** A ping this often; a link that answered nothing since the last one is cut. */
export const PEER_PING_MS = 5000;
/** The header a follower names itself by, so a server can tell it is following itself. */
export const PEER_ID_HEADER = 'x-probe-peer';

export interface PeerLinkOptions {
  url: string;
  secret: string;
  /** This server's instance id (PEER_ID_HEADER). */
  selfId: string;
  clock: Clock;
  intake: () => PeerIntake;
}

/** The peer's feed URL: its base URL on ws(s) with /ws/peer. */
export function feedUrl(base: string): string {
  return `${base.replace(/^http/, 'ws')}/ws/peer`;
}

export class PeerLink {
  private ws: WebSocket | null = null;
  private retry: Timer | null = null;
  private ping: Timer | null = null;
  private attempt = 0;
  private stopped = false;
  /** Whether the last attempt's failure was logged (one line per streak of failures). */
  private told = false;
  /** Whether this connection's nodes unknown here were logged. */
  private toldUnknown = false;
  connected = false;

  constructor(private readonly options: PeerLinkOptions) {}

  start(): void {
    const { url, secret, selfId } = this.options;
    const ws = new WebSocket(feedUrl(url), {
      headers: { Authorization: `Bearer ${secret}`, [PEER_ID_HEADER]: selfId },
      maxPayload: MAX_PEER_FRAME_BYTES,
      perMessageDeflate: false,
      handshakeTimeout: 10_000,
    });
    this.ws = ws;
    let intake: PeerIntake | null = null;
    let alive = true;
    ws.on('open', () => {
      intake = this.options.intake();
      this.attempt = 0;
      this.connected = true;
      this.told = false;
      this.toldUnknown = false;
      log.info('following cluster peer', { peer: url });
      this.ping = this.options.clock.every(PEER_PING_MS, () => {
        if (!alive) return void ws.terminate();
        alive = false;
        ws.ping();
      });
    });
    ws.on('pong', () => (alive = true));
    ws.on('message', (data, isBinary) => {
      alive = true;
      this.onFrame(ws, intake, isBinary ? null : data.toString());
    });
    ws.on('error', (err) => this.failed(err.message));
    ws.on('close', () => {
      this.ping?.cancel();
      if (intake) log.warn("cluster peer link closed; its agents' nodes go offline here unless they come back", { peer: url });
      intake?.close();
      this.connected = false;
      if (!this.stopped) this.retry = this.options.clock.after(backoffDelay(this.attempt++, Math.random()), () => this.start());
    });
  }

  private onFrame(ws: WebSocket, intake: PeerIntake | null, text: string | null): void {
    try {
      if (text === null) throw new ProbeError('PROBE_ERR_BAD_MESSAGE', 'peer frame: binary, expected JSON text');
      if (!intake) return;
      intake.apply(parsePeerFrame(text));
      if (intake.unknown.size > 0 && !this.toldUnknown) {
        this.toldUnknown = true;
        log.warn('cluster peer has agents of nodes this server does not know (by name): they are not shown here until it does', {
          peer: this.options.url,
          nodes: [...intake.unknown].slice(0, 5).join(','),
          count: intake.unknown.size,
        });
      }
    } catch (err) {
      const code = err instanceof ProbeError ? err.code : 'PROBE_ERR_INTERNAL';
      log.warn('cluster peer sent a frame this server cannot apply; reconnecting', {
        peer: this.options.url,
        code,
        error: (err as Error).message,
      });
      ws.terminate();
    }
  }

  /** Logs why the link failed, once per streak (the secret is never part of it). */
  private failed(message: string): void {
    const status = /Unexpected server response: (\d+)/.exec(message)?.[1];
    const { url } = this.options;
    if (status === '409') {
      log.info('cluster peer is this server itself; not following it', { peer: url });
      this.stop();
      return;
    }
    if (this.told) return;
    this.told = true;
    if (status === '401')
      log.error("cluster peer refused this server's cluster.secret: give every server the same secret", {
        peer: url,
        code: 'PROBE_ERR_AUTH',
      });
    else log.warn('cannot follow cluster peer; retrying', { peer: url, code: 'PROBE_ERR_PEER', error: message });
  }

  stop(): void {
    this.stopped = true;
    this.retry?.cancel();
    this.ping?.cancel();
    this.ws?.terminate();
  }
}
