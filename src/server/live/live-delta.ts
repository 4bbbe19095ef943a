/**
 * @module The live feed's delta encoder, pure: what changed in a node since viewers were last
 * sent it, written as JSON bytes into a FrameWriter, and the overview frame of one window.
 */
import type { NodeView } from '../../protocol/messages';
import { isOverviewMetric } from '../../protocol/metrics';
import type { MetricValues } from '../../protocol/metrics';
import { rowValues } from '../../protocol/row';
import { FrameWriter } from './frame-writer';
import type { LatestRow } from '../fleet/hub';
import type { NodeMeta } from '../fleet/node-state';

const META_KEYS = [
  'name',
  'group',
  'location',
  'online',
  'lastSeen',
  'os',
  'arch',
  'cores',
  'hostname',
  'monthRxBytes',
  'monthTxBytes',
  'periodStart',
  'notes',
  'position',
] as const;
/** `,"name":` for each of META_KEYS, made once: `lastSeen` changes in every node's delta of every frame. */
const FIELD_HEADS = new Map(META_KEYS.map((key) => [key, `,"${key}":`]));

export const UPDATE_HEAD = '{"type":"update","nodes":[';
export const UPDATE_TAIL = ']}';

/** A node as the last frame left it on every viewer: its fields, and its values as a row of its own. */
export interface Sent {
  meta: NodeMeta;
  names: readonly string[];
  data: Float64Array;
}

/** What deltas are taken from: the hub's state of each node. */
export interface LiveSource {
  meta(id: number): NodeMeta | null;
  latest(id: number): LatestRow | null;
}

/** A Sent copy of the node now (the hub's records change under it). */
export const sentOf = (meta: NodeMeta, row: LatestRow): Sent => ({ meta, names: row.names, data: Float64Array.from(row.data) });

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
export function partOf(values: MetricValues, part: Part): MetricValues {
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

/** Writes the fields of `meta` that differ from `prev.meta`, and takes them into it; whether any did. */
function takeFields(prev: Sent, meta: NodeMeta, out: FrameWriter): boolean {
  let changed = false;
  for (const key of META_KEYS) {
    const v = meta[key];
    if (prev.meta[key] === v) continue;
    (prev.meta as Record<string, unknown>)[key] = v;
    changed = true;
    // An absent field is left out, as JSON.stringify would.
    if (v === undefined) continue;
    out.ascii(FIELD_HEADS.get(key)!);
    if (typeof v === 'number') out.number(v);
    else out.text(JSON.stringify(v));
  }
  return changed;
}

/** Writes `,"values":{…}` with the values of `part` that differ from `prev`, and takes them into it; how many. */
function takeValues(prev: Sent, row: LatestRow, out: FrameWriter, part: Part): number {
  if (prev.names !== row.names || prev.data.length !== row.data.length) {
    const before = partOf(rowValues(prev), part);
    const now = partOf(rowValues(row), part);
    const delta: Record<string, number | null> = {};
    for (const name in now) if (before[name] !== now[name]) delta[name] = now[name]!;
    for (const name in before) if (!(name in now)) delta[name] = null;
    const count = Object.keys(delta).length;
    if (count > 0) out.ascii(`,"values":${JSON.stringify(delta)}`);
    prev.names = row.names;
    prev.data = Float64Array.from(row.data);
    return count;
  }
  // The common case: the same agent connection, so the same names in the same places.
  const keys = jsonKeys(row.names);
  const places = placesOf(row.names, part);
  const { data } = row;
  let count = 0;
  for (let k = 0; k < places.length; k++) {
    const i = places[k]!;
    const v = data[i]!;
    if (same(prev.data[i]!, v)) continue;
    prev.data[i] = v;
    out.ascii(count++ === 0 ? ',"values":{' : ',');
    out.ascii(keys[i]!);
    if (Number.isNaN(v)) out.ascii('null');
    else out.number(v);
  }
  if (count > 0) out.ascii('}');
  return count;
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
  const changed = part === 'overview' && takeFields(prev, meta, out);
  if (takeValues(prev, row, out, part) === 0 && !changed) {
    out.length = start;
    return false;
  }
  out.ascii('}');
  return true;
}

/**
 * The overview frame of each window, written once for the admin; each delta's place in it is kept,
 * since guests get only some. Each node as the last frame left it on every viewer is kept too,
 * updated in place (new copies every window would each live a second and burden the collector).
 */
export class OverviewEncoder {
  private readonly sent = new Map<number, Sent>();
  private readonly out = new FrameWriter();
  private ranges: [number, number][] = [];
  private written: number[] = [];

  /** The node was removed: a node by that id later is new. */
  forget(id: number): void {
    this.sent.delete(id);
  }

  /** Writes the frame of the nodes in `ids` that changed (a node first seen, whole); the ids written. */
  encode(ids: Iterable<number>, source: LiveSource): readonly number[] {
    const out = this.out;
    out.reset();
    out.ascii(UPDATE_HEAD);
    this.ranges = [];
    this.written = [];
    for (const id of ids) {
      const meta = source.meta(id);
      const row = source.latest(id);
      if (!meta || !row) continue;
      const start = out.length;
      if (this.ranges.length > 0) out.ascii(',');
      const prev = this.sent.get(id);
      if (!prev) {
        out.text(JSON.stringify({ ...meta, values: partOf(rowValues(row), 'overview') } satisfies NodeView));
        this.sent.set(id, sentOf(meta, row));
      } else if (!takeDelta(prev, meta, row, out)) {
        out.length = start;
        continue;
      }
      this.ranges.push([this.ranges.length > 0 ? start + 1 : start, out.length]);
      this.written.push(id);
    }
    out.ascii(UPDATE_TAIL);
    return this.written;
  }

  /** The whole frame last encoded, or null if it holds no node. */
  frame(): Buffer | null {
    return this.written.length > 0 ? this.out.copy() : null;
  }

  /**
   * The frame last encoded with only the nodes `keep` lets through, then `extra` nodes whole;
   * `whole` (the frame() already made) when that is all of it, null when nothing is left.
   */
  frameOf(keep: (id: number) => boolean, extra: readonly NodeView[], whole: Buffer | null): Buffer | null {
    const kept = this.ranges.filter((_, i) => keep(this.written[i]!));
    if (kept.length === this.ranges.length && extra.length === 0) return whole;
    if (kept.length === 0 && extra.length === 0) return null;
    const tail = extra.map((v) => JSON.stringify(v)).join(',');
    return this.out.join(kept, UPDATE_HEAD, ',', `${kept.length > 0 && tail ? ',' : ''}${tail}${UPDATE_TAIL}`);
  }
}
