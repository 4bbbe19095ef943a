/**
 * @module /ws/live: sends each page a snapshot of every node, then, every window, one frame with
 * only what changed (live-delta.ts), serialized once per audience and shared by its viewers.
 * Guests never receive hidden nodes (live-visibility.ts). A page watching one node gets that node
 * whole, then frames with its other metrics, shared by the node's watchers (live-watchers.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type WebSocket from 'ws';
import type { LiveMessage } from '../../protocol/messages';
import { systemClock } from '../../util/clock';
import type { Clock, Timer } from '../../util/clock';
import type { Audience, Hub } from '../fleet/hub';
import { OverviewEncoder, overviewOf } from './live-delta';
import { GuestVisibility } from './live-visibility';
import { LiveWatchers } from './live-watchers';

/** How often changes go out: one frame per audience per window. */
export const WINDOW_MS = 100;
/**
 * A viewer with this much unsent data is behind: it skips frames and, once its socket drained,
 * gets a fresh snapshot instead of the deltas it missed. (A 10 000-node snapshot is ~3.5 MB.)
 */
const BEHIND_BYTES = 1024 * 1024;
/** A viewer behind for this long is cut; its page reconnects by itself. */
export const STUCK_MS = 60_000;
/** How often viewers' sign-ins are checked again (a session ended by expiry or another process). */
const RECHECK_MS = 1000;

const removal = (ids: number[]) => JSON.stringify({ type: 'remove', ids } satisfies LiveMessage);

export class LiveGateway {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024, perMessageDeflate: false });
  private readonly dirty = new Set<number>();
  private readonly removed = new Set<number>();
  private readonly overview = new OverviewEncoder();
  private readonly visibility: GuestVisibility;
  private readonly watchers: LiveWatchers<WebSocket>;
  private readonly recheckTimer: Timer;
  /** The window's close, pending while changes wait (armWindow). */
  private windowTimer: Timer | null = null;
  private readonly unsubscribe: () => void;
  /** Viewers that skipped frames, and since when. */
  private readonly behind = new Map<WebSocket, number>();
  private readonly audience = new WeakMap<WebSocket, Audience>();
  /** Viewers let in by something that can end (an admin session): whether it still holds. */
  private readonly stillAllowed = new Map<WebSocket, () => boolean>();
  /** When the last window went out. */
  private flushedAt: number;

  constructor(
    private readonly hub: Hub,
    private readonly clock: Clock = systemClock,
  ) {
    this.visibility = new GuestVisibility(hub.views('admin').flatMap((view) => (hub.isHidden(view.id) ? [view.id] : [])));
    this.watchers = new LiveWatchers(hub, clock);
    this.flushedAt = clock.now();
    this.unsubscribe = hub.subscribe((event) => {
      if ('sampled' in event) {
        this.dirty.add(event.sampled);
        // Under load one turn of the event loop reads thousands of samples before any timer runs
        // (libuv polls up to 48 × 1024 sockets a turn): the window closes on time from here then.
        if (clock.now() - this.flushedAt >= WINDOW_MS) this.flush();
      } else if ('changed' in event)
        for (const id of event.changed) {
          this.dirty.add(id);
          this.visibility.changed(id, hub.isHidden(id));
        }
      else
        for (const id of event.removed) {
          this.dirty.delete(id);
          this.overview.forget(id);
          this.watchers.forget(id);
          this.removed.add(id);
        }
      this.armWindow();
    });
    this.recheckTimer = clock.every(RECHECK_MS, () => this.recheck()).unref();
  }

  /**
   * Closes the window WINDOW_MS after the last one went out, if a change waits for it. Set only
   * then: a timer every 100 ms woke an idle server ten times a second for nothing.
   */
  private armWindow(): void {
    if (this.windowTimer || (this.dirty.size === 0 && this.removed.size === 0)) return;
    const wait = Math.max(0, WINDOW_MS - (this.clock.now() - this.flushedAt));
    this.windowTimer = this.clock
      .after(wait, () => {
        this.windowTimer = null;
        this.flush();
      })
      .unref();
  }

  get viewerCount(): number {
    return this.wss.clients.size;
  }

  /**
   * `stillAllowed`: for a viewer let in by a session, whether the session still holds; once it
   * does not (sign-out, a new password, expiry), the feed is closed with 4001 and the page
   * reconnects as what it now is.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, audience: Audience = 'guest', stillAllowed?: () => boolean): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.audience.set(ws, audience);
      if (stillAllowed) this.stillAllowed.set(ws, stillAllowed);
      this.watchers.add(ws);
      ws.send(this.snapshot(audience));
      ws.on('message', (data, isBinary) => this.onRequest(ws, isBinary ? null : data.toString()));
      ws.on('error', () => ws.terminate());
      ws.on('close', () => {
        this.behind.delete(ws);
        this.watchers.remove(ws);
        this.stillAllowed.delete(ws);
      });
    });
  }

  private snapshot(audience: Audience): string {
    return JSON.stringify({ type: 'snapshot', nodes: this.hub.views(audience).map(overviewOf) } satisfies LiveMessage);
  }

  private isGuest(ws: WebSocket): boolean {
    return (this.audience.get(ws) ?? 'guest') === 'guest';
  }

  /** A viewer's request: the only one is `{"type":"watch","id":<node id or null>}`. */
  private onRequest(ws: WebSocket, text: string | null): void {
    const answer = this.watchers.request(ws, text, this.isGuest(ws));
    if (answer.close) ws.close(1008, 'too many requests');
    else if (answer.send) ws.send(answer.send);
  }

  /** The watched node whole (from here on its detail frames apply to it). */
  private sendWhole(ws: WebSocket, id: number): void {
    const text = this.watchers.whole(id);
    if (text) ws.send(text);
  }

  /** Sends each viewer its audience's frame, as JSON text (none if `frame` gives null for that audience). */
  private broadcast(frame: (audience: Audience) => string | Buffer | null): void {
    const texts = new Map<Audience, string | Buffer | null>();
    const snapshots = new Map<Audience, string>();
    const now = this.clock.now();
    for (const ws of this.wss.clients) {
      if (ws.readyState !== ws.OPEN) continue;
      const audience = this.audience.get(ws) ?? 'guest';
      if (!texts.has(audience)) texts.set(audience, frame(audience));
      const text = texts.get(audience);
      if (!text) continue;
      if (ws.bufferedAmount > BEHIND_BYTES) {
        const since = this.behind.get(ws) ?? now;
        this.behind.set(ws, since);
        if (now - since > STUCK_MS) ws.terminate();
        continue;
      }
      if (this.behind.delete(ws)) {
        let snapshot = snapshots.get(audience);
        if (!snapshot) snapshots.set(audience, (snapshot = this.snapshot(audience)));
        ws.send(snapshot);
        const watched = this.watchers.watched(ws);
        if (watched !== undefined) this.sendWhole(ws, watched);
        continue;
      }
      ws.send(text, { binary: false });
    }
  }

  /** One window: removals, nodes hidden from guests, then what changed. */
  private flush(): void {
    this.windowTimer?.cancel();
    this.windowTimer = null;
    this.flushedAt = this.clock.now();
    if (this.removed.size > 0) {
      const ids = [...this.removed];
      const guestIds = this.visibility.removed(ids);
      this.broadcast((audience) => (audience === 'admin' ? removal(ids) : guestIds.length ? removal(guestIds) : null));
      this.removed.clear();
    }
    const hidden = this.visibility.takeHidden();
    if (hidden.length > 0) this.broadcast((audience) => (audience === 'guest' ? removal(hidden) : null));
    if (this.dirty.size === 0) return;
    this.overview.encode(this.dirty, this.hub);
    if (this.watchers.active) this.watchers.details(this.dirty, (id, viewers, frame) => this.sendDetail(id, viewers, frame));
    this.dirty.clear();
    const revealed = this.visibility
      .takeRevealed()
      .flatMap((id) => this.hub.view(id) ?? [])
      .map(overviewOf);
    if (this.wss.clients.size === 0) return;
    const admin = this.overview.frame();
    const revealedIds = new Set(revealed.map((v) => v.id));
    const guest = this.overview.frameOf((id) => !this.visibility.isHidden(id) && !revealedIds.has(id), revealed, admin);
    if (admin || guest) this.broadcast((audience) => (audience === 'admin' ? admin : guest));
  }

  /** A watched node's detail frame (see LiveWatchers.details) to its watchers that may see it. */
  private sendDetail(id: number, viewers: readonly WebSocket[], frame: Buffer | 'whole' | null): void {
    for (const ws of viewers) {
      if (ws.readyState !== ws.OPEN || this.behind.has(ws)) continue;
      const guest = this.isGuest(ws);
      if (guest && this.visibility.isHidden(id)) continue;
      // A node shown to guests again comes whole, even if no detail changed in this window: they missed frames meanwhile.
      if (frame === 'whole' || (guest && this.visibility.isRevealed(id))) this.sendWhole(ws, id);
      else if (frame) ws.send(frame, { binary: false });
    }
  }

  /** Closes the feeds of viewers whose session ended: their pages reconnect as what they now are. */
  recheck(): void {
    for (const [ws, allowed] of this.stillAllowed) {
      if (allowed()) continue;
      this.stillAllowed.delete(ws);
      this.watchers.remove(ws);
      ws.close(4001, 'signed out');
    }
  }

  /** Closes every guest's feed (the page's access changed): their pages ask again before reconnecting. */
  disconnectGuests(): void {
    for (const ws of this.wss.clients) if (this.isGuest(ws)) ws.close(4001, 'page access changed');
  }

  close(): void {
    this.recheckTimer.cancel();
    this.windowTimer?.cancel();
    this.unsubscribe();
    for (const ws of this.wss.clients) ws.close(1001, 'server shutting down');
    this.wss.close();
  }

  /** Cuts every connection that did not finish its close handshake. */
  terminate(): void {
    for (const ws of this.wss.clients) ws.terminate();
  }
}
