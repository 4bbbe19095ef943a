/**
 * @module /ws/live: sends each page a snapshot of every node, then, every window, one frame with
 * only what changed (changed nodes, and in them only changed fields and metrics), serialized once
 * per audience and shared by its viewers. Guests never receive hidden nodes.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type WebSocket from 'ws';
import type { LiveMessage, NodeDelta } from '../protocol/messages';
import { rowValues } from '../protocol/row';
import type { Audience, Hub, LatestRow, NodeMeta } from './hub';

const WINDOW_MS = 100;
/**
 * A viewer with this much unsent data is behind: it skips frames and, once its socket drained,
 * gets a fresh snapshot instead of the deltas it missed. (A 10 000-node snapshot is ~3.5 MB.)
 */
const BEHIND_BYTES = 1024 * 1024;
/** A viewer behind for this long is cut; its page reconnects by itself. */
const STUCK_MS = 60_000;

const META_KEYS = ['name', 'group', 'location', 'online', 'lastSeen', 'os', 'arch', 'cores', 'hostname', 'monthRxBytes', 'monthTxBytes', 'periodStart', 'notes', 'position'] as const;

/** A node as the last frame left it on every viewer: its fields, and its values as a row of its own. */
interface Sent {
  meta: NodeMeta;
  names: readonly string[];
  data: Float64Array;
}

const same = (a: number, b: number) => a === b || (Number.isNaN(a) && Number.isNaN(b));

/**
 * What changed from `prev` to the node's state now (`meta` and its live row): changed fields, and
 * of the values only those that changed (null for one gone). Null if nothing changed.
 */
export function diffNode(prev: Sent, meta: NodeMeta, row: LatestRow): NodeDelta | null {
  const delta: NodeDelta = { id: meta.id };
  let changed = false;
  for (const key of META_KEYS) {
    if (prev.meta[key] !== meta[key]) {
      (delta as Record<string, unknown>)[key] = meta[key];
      changed = true;
    }
  }
  let values: Record<string, number | null> | null = null;
  if (prev.names === row.names) {
    // The common case: the same agent connection, so the same names in the same places.
    for (let i = 0; i < row.data.length; i++) {
      const v = row.data[i]!;
      if (!same(prev.data[i]!, v)) (values ??= {})[row.names[i]!] = Number.isNaN(v) ? null : v;
    }
  } else {
    const before = rowValues(prev);
    const now = rowValues(row);
    for (const name in now) if (before[name] !== now[name]) (values ??= {})[name] = now[name]!;
    for (const name in before) if (!(name in now)) (values ??= {})[name] = null;
  }
  if (values) {
    delta.values = values;
    changed = true;
  }
  return changed ? delta : null;
}

/** Brings `sent` up to date with the state `delta` was just taken against. */
function remember(sent: Sent, delta: NodeDelta, row: LatestRow): void {
  for (const key of META_KEYS) if (key in delta) (sent.meta as Record<string, unknown>)[key] = delta[key];
  if (sent.names !== row.names || sent.data.length !== row.data.length) {
    sent.names = row.names;
    sent.data = new Float64Array(row.data.length);
  }
  sent.data.set(row.data);
}

export class LiveGateway {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024, perMessageDeflate: false });
  private readonly dirty = new Set<number>();
  /**
   * Each node as the last frame left it on every viewer: deltas are taken against this. Copies
   * updated in place (the hub's records change under them; new copies every window would each
   * live a second and burden the garbage collector).
   */
  private readonly sent = new Map<number, Sent>();
  private readonly removed = new Set<number>();
  private readonly timer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  /** Viewers that skipped frames, and since when. */
  private readonly behind = new Map<WebSocket, number>();
  private readonly audience = new WeakMap<WebSocket, Audience>();
  /** Nodes guests may not see (kept until their removal went out, to hide the removal too). */
  private readonly hidden = new Set<number>();
  /** Nodes hidden from guests since the last frame: guests get their removal. */
  private readonly hiddenNow = new Set<number>();
  /** Nodes shown to guests again since the last frame: guests get them whole, not as a delta. */
  private readonly revealed = new Set<number>();

  constructor(private readonly hub: Hub) {
    for (const view of hub.views('admin')) if (hub.isHidden(view.id)) this.hidden.add(view.id);
    this.unsubscribe = hub.subscribe((event) => {
      if ('sampled' in event) this.dirty.add(event.sampled);
      else if ('changed' in event) for (const id of event.changed) {
        this.dirty.add(id);
        if (hub.isHidden(id)) {
          // Guests may have it from their snapshot even if no frame mentioned it since.
          if (!this.hidden.has(id)) this.hiddenNow.add(id);
          this.hidden.add(id);
          this.revealed.delete(id);
        } else if (this.hidden.delete(id)) {
          this.revealed.add(id);
          this.hiddenNow.delete(id);
        }
      }
      else for (const id of event.removed) {
        this.dirty.delete(id);
        this.sent.delete(id);
        this.removed.add(id);
      }
    });
    this.timer = setInterval(() => this.flush(), WINDOW_MS);
    this.timer.unref();
  }

  get viewerCount(): number {
    return this.wss.clients.size;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, audience: Audience = 'guest'): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.audience.set(ws, audience);
      const snapshot: LiveMessage = { type: 'snapshot', nodes: this.hub.views(audience) };
      ws.send(JSON.stringify(snapshot));
      // Viewers only listen; anything they send is ignored.
      ws.on('error', () => ws.terminate());
      ws.on('close', () => this.behind.delete(ws));
    });
  }

  /** Sends each viewer its audience's frame (none if `frame` gives null for that audience). */
  private broadcast(frame: (audience: Audience) => LiveMessage | null): void {
    const texts = new Map<Audience, string | null>();
    const snapshots = new Map<Audience, string>();
    const now = Date.now();
    for (const ws of this.wss.clients) {
      if (ws.readyState !== ws.OPEN) continue;
      const audience = this.audience.get(ws) ?? 'guest';
      if (!texts.has(audience)) {
        const msg = frame(audience);
        texts.set(audience, msg && JSON.stringify(msg));
      }
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
        if (!snapshot) snapshots.set(audience, (snapshot = JSON.stringify({ type: 'snapshot', nodes: this.hub.views(audience) } satisfies LiveMessage)));
        ws.send(snapshot);
        continue;
      }
      ws.send(text);
    }
  }

  private flush(): void {
    if (this.removed.size > 0) {
      const ids = [...this.removed];
      const guestIds = ids.filter((id) => !this.hidden.has(id));
      this.broadcast((audience) => (audience === 'admin' ? { type: 'remove', ids } : guestIds.length ? { type: 'remove', ids: guestIds } : null));
      for (const id of ids) this.hidden.delete(id);
      this.removed.clear();
    }
    if (this.hiddenNow.size > 0) {
      const ids = [...this.hiddenNow];
      this.broadcast((audience) => (audience === 'guest' ? { type: 'remove', ids } : null));
      this.hiddenNow.clear();
    }
    if (this.dirty.size === 0) return;
    const nodes: NodeDelta[] = [];
    for (const id of this.dirty) {
      const meta = this.hub.meta(id);
      const row = this.hub.latest(id);
      if (!meta || !row) continue;
      const prev = this.sent.get(id);
      if (!prev) {
        nodes.push({ ...meta, values: rowValues(row) });
        this.sent.set(id, { meta, names: row.names, data: Float64Array.from(row.data) });
        continue;
      }
      const delta = diffNode(prev, meta, row);
      if (!delta) continue;
      nodes.push(delta);
      remember(prev, delta, row);
    }
    this.dirty.clear();
    const revealed = [...this.revealed].flatMap((id) => this.hub.view(id) ?? []);
    this.revealed.clear();
    if ((nodes.length === 0 && revealed.length === 0) || this.wss.clients.size === 0) return;
    const guestNodes: NodeDelta[] = [...nodes.filter((d) => !this.hidden.has(d.id) && !revealed.some((v) => v.id === d.id)), ...revealed];
    this.broadcast((audience) => (audience === 'admin' ? (nodes.length ? { type: 'update', nodes } : null) : guestNodes.length ? { type: 'update', nodes: guestNodes } : null));
  }

  /** Closes every guest's feed (the page's access changed): their pages ask again before reconnecting. */
  disconnectGuests(): void {
    for (const ws of this.wss.clients) if ((this.audience.get(ws) ?? 'guest') === 'guest') ws.close(4001, 'page access changed');
  }

  close(): void {
    clearInterval(this.timer);
    this.unsubscribe();
    for (const ws of this.wss.clients) ws.close(1001, 'server shutting down');
    this.wss.close();
  }

  /** Cuts every connection that did not finish its close handshake. */
  terminate(): void {
    for (const ws of this.wss.clients) ws.terminate();
  }
}
