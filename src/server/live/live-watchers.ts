/**
 * @module Pages watching one node on /ws/live: their `watch` requests (parsed, limited per viewer
 * by a token bucket on the Clock, refused for nodes they may not see), and the detail frames of
 * the watched nodes, one per node shared by its watchers.
 */
import type { ErrorCode } from '../../protocol/errors';
import type { LiveMessage } from '../../protocol/messages';
import { parseLiveRequest } from '../../protocol/parse';
import type { Clock } from '../../util/clock';
import { FrameWriter } from './frame-writer';
import type { Hub } from '../fleet/hub';
import { TokenBucket } from '../net/limits';
import { UPDATE_HEAD, UPDATE_TAIL, sentOf, takeDelta } from './live-delta';
import type { Sent } from './live-delta';

/** Watch requests per second a viewer may send, with a burst; a page sends one per node it opens. */
export const WATCH_RATE = 10;
export const WATCH_BURST = 30;

/** What the watchers read of the hub. */
export type WatchSource = Pick<Hub, 'meta' | 'latest' | 'view' | 'isHidden'>;

/** What to do about a request: close the feed (a flood), or send this text (an error, the node whole) if any. */
export type WatchAnswer = { close: true } | { close: false; send: string | null };

const error = (code: ErrorCode, message: string) => JSON.stringify({ type: 'error', code, message } satisfies LiveMessage);

export class LiveWatchers<V extends object> {
  /** The node each viewer watches, if any. */
  private readonly watching = new Map<V, number>();
  private readonly rate = new WeakMap<V, TokenBucket>();
  /** Each watched node's detail as the last frame left it on its watchers. */
  private readonly detailSent = new Map<number, Sent>();
  private readonly out = new FrameWriter();

  constructor(
    private readonly hub: WatchSource,
    private readonly clock: Clock,
  ) {}

  /** A new viewer, with a full bucket of requests. */
  add(viewer: V): void {
    this.rate.set(viewer, new TokenBucket(WATCH_RATE, WATCH_BURST, this.clock.now()));
  }

  /** The viewer watches nothing any more (it left, or its feed is closed). */
  remove(viewer: V): void {
    this.watching.delete(viewer);
  }

  /** The node was removed: a node by that id later starts afresh. */
  forget(id: number): void {
    this.detailSent.delete(id);
  }

  watched(viewer: V): number | undefined {
    return this.watching.get(viewer);
  }

  /** Whether detail frames may be due: a node is watched, or was until the last frame. */
  get active(): boolean {
    return this.watching.size > 0 || this.detailSent.size > 0;
  }

  /** A viewer's request (null: a binary frame); `guest`: it may not watch hidden nodes. */
  request(viewer: V, text: string | null, guest: boolean): WatchAnswer {
    if (!(this.rate.get(viewer)?.take(this.clock.now()) ?? false)) return { close: true };
    const request = parseLiveRequest(text);
    if (!request.ok) return { close: false, send: error(request.code, request.message) };
    const { id } = request.value;
    this.watching.delete(viewer);
    if (id === null) return { close: false, send: null };
    // A guest learns nothing more about a hidden node than about a missing one.
    if (!this.hub.meta(id) || (guest && this.hub.isHidden(id)))
      return { close: false, send: error('PROBE_ERR_NOT_FOUND', `no node with id ${id}`) };
    this.watching.set(viewer, id);
    return { close: false, send: this.whole(id) };
  }

  /** The LiveNode message with node `id` whole (from here on its detail frames apply to it), or null if it is gone. */
  whole(id: number): string | null {
    const view = this.hub.view(id);
    if (!view) return null;
    const row = this.hub.latest(id);
    // Frames to the node's other watchers go on from what they were sent: values newer than that are set again, to the same.
    if (row && !this.detailSent.has(id)) this.detailSent.set(id, sentOf(view, row));
    return JSON.stringify({ type: 'node', node: view } satisfies LiveMessage);
  }

  /**
   * For each watched node among `changed`, its detail metrics that changed as one frame, handed to
   * `deliver` with its watchers: 'whole' when they need the node whole (first sampled while
   * watched), null when no detail changed (some watchers may still need it whole: a node shown
   * to guests again).
   */
  details(changed: ReadonlySet<number>, deliver: (id: number, viewers: readonly V[], frame: Buffer | 'whole' | null) => void): void {
    const byNode = new Map<number, V[]>();
    for (const [viewer, id] of this.watching) {
      const list = byNode.get(id);
      if (list) list.push(viewer);
      else byNode.set(id, [viewer]);
    }
    for (const id of this.detailSent.keys()) if (!byNode.has(id)) this.detailSent.delete(id);
    const out = this.out;
    for (const [id, viewers] of byNode) {
      if (!changed.has(id)) continue;
      const meta = this.hub.meta(id);
      const row = this.hub.latest(id);
      if (!meta || !row) continue;
      const prev = this.detailSent.get(id);
      if (!prev) {
        deliver(id, viewers, 'whole');
        continue;
      }
      out.reset();
      out.ascii(UPDATE_HEAD);
      const changedDetail = takeDelta(prev, meta, row, out, 'detail');
      out.ascii(UPDATE_TAIL);
      deliver(id, viewers, changedDetail ? out.copy() : null);
    }
  }
}
