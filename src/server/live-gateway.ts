/**
 * @module /ws/live: sends each page a snapshot of every node, then, every window, one frame with
 * only what changed (changed nodes, and in them only changed fields and metrics), serialized once
 * per audience and shared by its viewers. Guests never receive hidden nodes. Snapshots and shared
 * frames carry the overview's metrics; a page watching one node (`{"type":"watch","id":…}`) gets
 * that node whole, then frames with its other metrics, shared by the node's watchers.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type WebSocket from 'ws';
import type { LiveMessage, NodeView } from '../protocol/messages';
import { isOverviewMetric } from '../protocol/metrics';
import type { MetricValues } from '../protocol/metrics';
import { rowValues } from '../protocol/row';
import { FrameWriter } from './frame-writer';
import type { Audience, Hub, LatestRow, NodeMeta } from './hub';
import { TokenBucket } from './limits';

const WINDOW_MS = 100;
/**
 * A viewer with this much unsent data is behind: it skips frames and, once its socket drained,
 * gets a fresh snapshot instead of the deltas it missed. (A 10 000-node snapshot is ~3.5 MB.)
 */
const BEHIND_BYTES = 1024 * 1024;
/** A viewer behind for this long is cut; its page reconnects by itself. */
const STUCK_MS = 60_000;
/** How often viewers' sign-ins are checked again (a session ended by expiry or another process). */
const RECHECK_MS = 1000;
/** Watch requests per second a viewer may send, with a burst; a page sends one per node it opens. */
const WATCH_RATE = 10;
const WATCH_BURST = 30;

const META_KEYS = ['name', 'group', 'location', 'online', 'lastSeen', 'os', 'arch', 'cores', 'hostname', 'monthRxBytes', 'monthTxBytes', 'periodStart', 'notes', 'position'] as const;

/** A node as the last frame left it on every viewer: its fields, and its values as a row of its own. */
interface Sent {
  meta: NodeMeta;
  names: readonly string[];
  data: Float64Array;
}

const same = (a: number, b: number) => a === b || (Number.isNaN(a) && Number.isNaN(b));

/** The overview's metrics, or the others (a watched node's detail). */
export type Part = 'overview' | 'detail';

const inPart = (part: Part, name: string) => isOverviewMetric(name) === (part === 'overview');

/** Where each part's metrics are in a row, once per names array. */
const partsByNames = new WeakMap<readonly string[], Record<Part, Int32Array>>();

function placesOf(names: readonly string[], part: Part): Int32Array {
  let parts = partsByNames.get(names);
  if (!parts) {
    const places = (p: Part) => Int32Array.from(names.flatMap((name, i) => (inPart(p, name) ? [i] : [])));
    partsByNames.set(names, (parts = { overview: places('overview'), detail: places('detail') }));
  }
  return parts[part];
}

/** The values of `part` in `values`. */
function partOf(values: MetricValues, part: Part): MetricValues {
  const out: MetricValues = {};
  for (const name in values) if (inPart(part, name)) out[name] = values[name]!;
  return out;
}

/** A node as snapshots and shared frames show it: with the overview's metrics only. */
export function overviewOf(view: NodeView): NodeView {
  return { ...view, values: partOf(view.values, 'overview') };
}

/** `"name":` for each name of a row, JSON-escaped (ASCII: metric names are), once per names array. */
const keysByNames = new WeakMap<readonly string[], string[]>();

function jsonKeys(names: readonly string[]): string[] {
  let keys = keysByNames.get(names);
  if (!keys) keysByNames.set(names, (keys = names.map((name) => `${JSON.stringify(name)}:`)));
  return keys;
}

/**
 * Writes to `out` what changed from `prev` to the node's state now (`meta` and its live row) as
 * the JSON of a NodeDelta: for the overview changed fields and overview metrics, for the detail
 * only its metrics; of the values only those that changed (null for one gone). Writes nothing and
 * returns false if nothing changed. `prev` is brought up to date in that part.
 */
export function takeDelta(prev: Sent, meta: NodeMeta, row: LatestRow, out: FrameWriter, part: Part = 'overview'): boolean {
  const start = out.length;
  out.ascii(`{"id":${meta.id}`);
  let changed = false;
  if (part === 'overview') for (const key of META_KEYS) {
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
    const places = placesOf(row.names, part);
    const { data } = row;
    for (let k = 0; k < places.length; k++) {
      const i = places[k]!;
      const v = data[i]!;
      if (same(prev.data[i]!, v)) continue;
      prev.data[i] = v;
      out.ascii(values++ === 0 ? ',"values":{' : ',');
      out.ascii(keys[i]!);
      if (Number.isNaN(v)) out.ascii('null');
      else out.number(v);
    }
    if (values > 0) out.ascii('}');
  } else {
    const before = partOf(rowValues(prev), part);
    const now = partOf(rowValues(row), part);
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
  /** The node each viewer watches, if any. */
  private readonly watching = new Map<WebSocket, number>();
  private readonly watchRate = new WeakMap<WebSocket, TokenBucket>();
  /** Each watched node's detail as the last frame left it on its watchers. */
  private readonly detailSent = new Map<number, Sent>();
  private readonly detailWriter = new FrameWriter();
  /** Viewers let in by something that can end (an admin session): whether it still holds. */
  private readonly stillAllowed = new Map<WebSocket, () => boolean>();
  private readonly recheckTimer: NodeJS.Timeout;

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
        this.detailSent.delete(id);
        this.removed.add(id);
      }
    });
    this.timer = setInterval(() => this.flush(), WINDOW_MS);
    this.timer.unref();
    this.recheckTimer = setInterval(() => this.recheck(), RECHECK_MS);
    this.recheckTimer.unref();
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
      this.watchRate.set(ws, new TokenBucket(WATCH_RATE, WATCH_BURST, Date.now()));
      ws.send(this.snapshot(audience));
      ws.on('message', (data, isBinary) => this.onRequest(ws, isBinary ? null : data.toString()));
      ws.on('error', () => ws.terminate());
      ws.on('close', () => {
        this.behind.delete(ws);
        this.watching.delete(ws);
        this.stillAllowed.delete(ws);
      });
    });
  }

  private snapshot(audience: Audience): string {
    return JSON.stringify({ type: 'snapshot', nodes: this.hub.views(audience).map(overviewOf) } satisfies LiveMessage);
  }

  /** A viewer's request: the only one is `{"type":"watch","id":<node id or null>}`. */
  private onRequest(ws: WebSocket, text: string | null): void {
    const refuse = (code: string, message: string) => ws.send(JSON.stringify({ type: 'error', code, message } satisfies LiveMessage));
    if (!this.watchRate.get(ws)!.take(Date.now())) {
      ws.close(1008, 'too many requests');
      return;
    }
    let request: unknown;
    try {
      request = text === null ? null : JSON.parse(text);
    } catch {
      request = null;
    }
    const id = (request as { id?: unknown } | null)?.id;
    if ((request as { type?: unknown } | null)?.type !== 'watch' || !(id === null || (Number.isSafeInteger(id) && (id as number) > 0))) {
      refuse('PROBE_ERR_BAD_MESSAGE', 'send {"type":"watch","id":<node id>} for one node\'s every metric, or {"type":"watch","id":null} for none');
      return;
    }
    this.watching.delete(ws);
    if (id === null) return;
    const guest = (this.audience.get(ws) ?? 'guest') === 'guest';
    if (!this.hub.meta(id as number) || (guest && this.hub.isHidden(id as number))) {
      refuse('PROBE_ERR_NOT_FOUND', `no node with id ${String(id)}`);
      return;
    }
    this.watching.set(ws, id as number);
    this.sendWhole(ws, id as number);
  }

  /** The watched node whole (from here on its detail frames apply to it). */
  private sendWhole(ws: WebSocket, id: number): void {
    const view = this.hub.view(id);
    if (!view) return;
    const row = this.hub.latest(id);
    // Frames to the node's other watchers go on from what they were sent: values newer than that are set again, to the same.
    if (row && !this.detailSent.has(id)) this.detailSent.set(id, { meta: view, names: row.names, data: Float64Array.from(row.data) });
    ws.send(JSON.stringify({ type: 'node', node: view } satisfies LiveMessage));
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
        if (!snapshot) snapshots.set(audience, (snapshot = this.snapshot(audience)));
        ws.send(snapshot);
        const watched = this.watching.get(ws);
        if (watched !== undefined) this.sendWhole(ws, watched);
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
        out.text(JSON.stringify({ ...meta, values: partOf(rowValues(row), 'overview') } satisfies NodeView));
        this.sent.set(id, { meta, names: row.names, data: Float64Array.from(row.data) });
      }
      ranges.push([ranges.length > 0 ? start + 1 : start, out.length]);
      ids.push(id);
    }
    out.ascii(UPDATE_TAIL);
    if (this.watching.size > 0 || this.detailSent.size > 0) this.sendDetails();
    this.dirty.clear();
    const revealed = [...this.revealed].flatMap((id) => this.hub.view(id) ?? []).map(overviewOf);
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

  /** To the watchers of each changed node, its detail metrics that changed, in one frame per node. */
  private sendDetails(): void {
    const watchers = new Map<number, WebSocket[]>();
    for (const [ws, id] of this.watching) {
      const list = watchers.get(id);
      if (list) list.push(ws);
      else watchers.set(id, [ws]);
    }
    for (const id of this.detailSent.keys()) if (!watchers.has(id)) this.detailSent.delete(id);
    const out = this.detailWriter;
    for (const [id, viewers] of watchers) {
      if (!this.dirty.has(id)) continue;
      const meta = this.hub.meta(id);
      const row = this.hub.latest(id);
      if (!meta || !row) continue;
      const prev = this.detailSent.get(id);
      let frame: Buffer | null = null;
      if (prev) {
        out.reset();
        out.ascii(UPDATE_HEAD);
        if (!takeDelta(prev, meta, row, out, 'detail')) continue;
        out.ascii(UPDATE_TAIL);
        frame = out.copy();
      }
      for (const ws of viewers) {
        if (ws.readyState !== ws.OPEN || this.behind.has(ws)) continue;
        const guest = (this.audience.get(ws) ?? 'guest') === 'guest';
        if (guest && this.hidden.has(id)) continue;
        // A node first sampled while watched comes whole; so does one shown to guests again (they missed frames meanwhile).
        if (frame && !(guest && this.revealed.has(id))) ws.send(frame, { binary: false });
        else this.sendWhole(ws, id);
      }
    }
  }

  /** Closes the feeds of viewers whose session ended: their pages reconnect as what they now are. */
  recheck(): void {
    for (const [ws, allowed] of this.stillAllowed) {
      if (allowed()) continue;
      this.stillAllowed.delete(ws);
      this.watching.delete(ws);
      ws.close(4001, 'signed out');
    }
  }

  /** Closes every guest's feed (the page's access changed): their pages ask again before reconnecting. */
  disconnectGuests(): void {
    for (const ws of this.wss.clients) if ((this.audience.get(ws) ?? 'guest') === 'guest') ws.close(4001, 'page access changed');
  }

  close(): void {
    clearInterval(this.timer);
    clearInterval(this.recheckTimer);
    this.unsubscribe();
    for (const ws of this.wss.clients) ws.close(1001, 'server shutting down');
    this.wss.close();
  }

  /** Cuts every connection that did not finish its close handshake. */
  terminate(): void {
    for (const ws of this.wss.clients) ws.terminate();
  }
}
