/**
 * @module /ws/live: sends each page a snapshot of every node, then, every window, one frame with
 * only what changed (changed nodes, and in them only changed fields and metrics), serialized once
 * per audience and shared by its viewers. Guests never receive hidden nodes.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type WebSocket from 'ws';
import type { LiveMessage, NodeView } from '../protocol/messages';
import { rowValues } from '../protocol/row';
import { FrameWriter } from './frame-writer';
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

/** `"name":` for each name of a row, JSON-escaped (ASCII: metric names are), once per names array. */
const keysByNames = new WeakMap<readonly string[], string[]>();

function jsonKeys(names: readonly string[]): string[] {
  let keys = keysByNames.get(names);
  if (!keys) keysByNames.set(names, (keys = names.map((name) => `${JSON.stringify(name)}:`)));
  return keys;
}

/**
 * Writes to `out` what changed from `prev` to the node's state now (`meta` and its live row) as
 * the JSON of a NodeDelta: changed fields, and of the values only those that changed (null for
 * one gone). Writes nothing and returns false if nothing changed. `prev` is brought up to date.
 */
export function takeDelta(prev: Sent, meta: NodeMeta, row: LatestRow, out: FrameWriter): boolean {
  const start = out.length;
  out.ascii(`{"id":${meta.id}`);
  let changed = false;
  for (const key of META_KEYS) {
    const v = meta[key];
    if (prev.meta[key] === v) continue;
    (prev.meta as Record<string, unknown>)[key] = v;
    changed = true;
    // An absent field is left out, as JSON.stringify would.
    if (v === undefined) continue;
    out.ascii(`,"${key}":`);
    if (typeof v === 'number') out.number(v);
    else out.text(JSON.stringify(v));
  }
  let values = 0;
  if (prev.names === row.names && prev.data.length === row.data.length) {
    // The common case: the same agent connection, so the same names in the same places.
    const keys = jsonKeys(row.names);
    const { data } = row;
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (same(prev.data[i]!, v)) continue;
      out.ascii(values++ === 0 ? ',"values":{' : ',');
      out.ascii(keys[i]!);
      if (Number.isNaN(v)) out.ascii('null');
      else out.number(v);
    }
    if (values > 0) {
      out.ascii('}');
      prev.data.set(data);
    }
  } else {
    const before = rowValues(prev);
    const now = rowValues(row);
    const delta: Record<string, number | null> = {};
    for (const name in now) if (before[name] !== now[name]) delta[name] = now[name]!;
    for (const name in before) if (!(name in now)) delta[name] = null;
    values = Object.keys(delta).length;
    if (values > 0) out.ascii(`,"values":${JSON.stringify(delta)}`);
    prev.names = row.names;
    prev.data = Float64Array.from(row.data);
  }
  if (!changed && values === 0) {
    out.length = start;
    return false;
  }
  out.ascii('}');
  return true;
}

const UPDATE_HEAD = '{"type":"update","nodes":[';
const UPDATE_TAIL = ']}';

const removal = (ids: number[]) => JSON.stringify({ type: 'remove', ids } satisfies LiveMessage);

export class LiveGateway {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024, perMessageDeflate: false });
  private readonly dirty = new Set<number>();
  /**
   * Each node as the last frame left it on every viewer: deltas are taken against this. Copies
   * updated in place (the hub's records change under them; new copies every window would each
   * live a second and burden the garbage collector).
   */
  private readonly sent = new Map<number, Sent>();
  private readonly writer = new FrameWriter();
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

  /** Sends each viewer its audience's frame, as JSON text (none if `frame` gives null for that audience). */
  private broadcast(frame: (audience: Audience) => string | Buffer | null): void {
    const texts = new Map<Audience, string | Buffer | null>();
    const snapshots = new Map<Audience, string>();
    const now = Date.now();
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
        if (!snapshot) snapshots.set(audience, (snapshot = JSON.stringify({ type: 'snapshot', nodes: this.hub.views(audience) } satisfies LiveMessage)));
        ws.send(snapshot);
        continue;
      }
      ws.send(text, { binary: false });
    }
  }

  private flush(): void {
    if (this.removed.size > 0) {
      const ids = [...this.removed];
      const guestIds = ids.filter((id) => !this.hidden.has(id));
      this.broadcast((audience) => (audience === 'admin' ? removal(ids) : guestIds.length ? removal(guestIds) : null));
      for (const id of ids) this.hidden.delete(id);
      this.removed.clear();
    }
    if (this.hiddenNow.size > 0) {
      const ids = [...this.hiddenNow];
      this.broadcast((audience) => (audience === 'guest' ? removal(ids) : null));
      this.hiddenNow.clear();
    }
    if (this.dirty.size === 0) return;
    // The admin's frame written whole; each delta's place in it kept, since guests get only some.
    const out = this.writer;
    out.reset();
    out.ascii(UPDATE_HEAD);
    const ranges: [number, number][] = [];
    const ids: number[] = [];
    for (const id of this.dirty) {
      const meta = this.hub.meta(id);
      const row = this.hub.latest(id);
      if (!meta || !row) continue;
      const start = out.length;
      if (ranges.length > 0) out.ascii(',');
      const prev = this.sent.get(id);
      if (prev) {
        if (!takeDelta(prev, meta, row, out)) {
          out.length = start;
          continue;
        }
      } else {
        out.text(JSON.stringify({ ...meta, values: rowValues(row) } satisfies NodeView));
        this.sent.set(id, { meta, names: row.names, data: Float64Array.from(row.data) });
      }
      ranges.push([ranges.length > 0 ? start + 1 : start, out.length]);
      ids.push(id);
    }
    out.ascii(UPDATE_TAIL);
    this.dirty.clear();
    const revealed = [...this.revealed].flatMap((id) => this.hub.view(id) ?? []);
    this.revealed.clear();
    if ((ranges.length === 0 && revealed.length === 0) || this.wss.clients.size === 0) return;
    const admin = ranges.length > 0 ? out.copy() : null;
    const revealedIds = new Set(revealed.map((v) => v.id));
    const guestRanges = ranges.filter((_, i) => !this.hidden.has(ids[i]!) && !revealedIds.has(ids[i]!));
    let guest: Buffer | null = null;
    if (guestRanges.length === ranges.length && revealed.length === 0) guest = admin;
    else if (guestRanges.length > 0 || revealed.length > 0) {
      const tail = revealed.map((v) => JSON.stringify(v)).join(',');
      guest = out.join(guestRanges, UPDATE_HEAD, ',', `${guestRanges.length > 0 && tail ? ',' : ''}${tail}${UPDATE_TAIL}`);
    }
    this.broadcast((audience) => (audience === 'admin' ? admin : guest));
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
