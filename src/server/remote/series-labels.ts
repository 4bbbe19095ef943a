/**
 * @module The labels of each (node, metric) series as remote write sends them: the name and labels
 * GET /metrics gives it (prom-names.ts) plus node, group and location, encoded (SeriesLabels); and
 * KeptLabels, where a window reader keeps them while the node keeps its name, group and location:
 * the bytes packed into slabs, where each series' are in typed arrays. At 10 000 agents that is
 * ~400 000 series: an object and a Buffer view each were most of the thread's heap, and every full
 * collection marked them all.
 */
import type { PromSeries } from '../http/prom-names';
import { promSeries } from '../http/prom-names';
import { grow } from '../../util/grow';
import { encodeLabels } from './write-request';

export interface NodeLabels {
  name: string;
  group: string;
  location: string;
}

export class SeriesLabels {
  /** What /metrics calls each metric id (null: not shown), worked out once per id. */
  private readonly metrics = new Map<number, PromSeries | null>();

  constructor(
    /** A node's name, group and location now; undefined for a node removed since (its samples are not sent). */
    private readonly node: (nodeId: number) => NodeLabels | undefined,
    /** A metric id's name (the store's). */
    private readonly nameOf: (metricId: number) => string,
  ) {}

  /** The node's name, group and location as one string (another when any of them changes); null for a node gone. */
  nodeKey(nodeId: number): string | null {
    const node = this.node(nodeId);
    return node ? `${node.name}\n${node.group}\n${node.location}` : null;
  }

  /** One metric's labels for the node as it is now, and what its values are divided by; null for names /metrics does not show, or a node gone. */
  encode(nodeId: number, metricId: number): { labels: Buffer; divisor: number } | null {
    let prom = this.metrics.get(metricId);
    if (prom === undefined) this.metrics.set(metricId, (prom = promSeries(this.nameOf(metricId))));
    const node = this.node(nodeId);
    if (!prom || !node) return null;
    const labels = encodeLabels([
      ['__name__', prom.name],
      ['node', node.name],
      ['group', node.group],
      ['location', node.location],
      ...prom.labels,
    ]);
    return { labels, divisor: prom.divisor };
  }
}

const SLAB_BYTES = 64 * 1024;

/**
 * Encoded labels kept by number: the bytes copied into 64 KiB slabs of their own (a small Buffer
 * kept would hold Node's shared 8 KiB pool and the garbage beside it), each one's slab, offset,
 * length and divisor in typed arrays. Numbers released are given out again; their bytes are
 * reclaimed by compact() once they are half of all.
 */
export class KeptLabels {
  private slabs: Buffer[] = [];
  /** Bytes used of the last slab. */
  private used = SLAB_BYTES;
  private slab = new Int32Array(1024);
  private offset = new Int32Array(1024);
  private length = new Int32Array(1024);
  /** What each series' values are divided by (read in the hot loop: a property, not a call). */
  divisors = new Float64Array(1024);
  private count = 0;
  private readonly free: number[] = [];
  private liveBytes = 0;
  private allBytes = 0;

  /** How many numbers were ever given out (every number is below it). */
  get size(): number {
    return this.count;
  }

  keep(labels: Uint8Array, divisor: number): number {
    const n = this.free.pop() ?? this.count++;
    this.slab = grow(this.slab, n + 1, (k) => new Int32Array(k));
    this.offset = grow(this.offset, n + 1, (k) => new Int32Array(k));
    this.length = grow(this.length, n + 1, (k) => new Int32Array(k));
    this.divisors = grow(this.divisors, n + 1, (k) => new Float64Array(k));
    this.place(n, labels);
    this.divisors[n] = divisor;
    this.liveBytes += labels.length;
    return n;
  }

  private place(n: number, bytes: Uint8Array): void {
    if (this.used + bytes.length > SLAB_BYTES || this.slabs.length === 0) {
      this.slabs.push(Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, bytes.length)));
      this.used = 0;
    }
    const slab = this.slabs.length - 1;
    this.slabs[slab]!.set(bytes, this.used);
    this.slab[n] = slab;
    this.offset[n] = this.used;
    this.length[n] = bytes.length;
    this.used += bytes.length;
    this.allBytes += bytes.length;
  }

  release(n: number): void {
    this.liveBytes -= this.length[n]!;
    this.length[n] = 0;
    this.free.push(n);
  }

  /** Series n's bytes: in `bytes(n)` from `offsetOf(n)`, `lengthOf(n)` long (valid until compact). */
  bytes(n: number): Buffer {
    return this.slabs[this.slab[n]!]!;
  }

  offsetOf(n: number): number {
    return this.offset[n]!;
  }

  lengthOf(n: number): number {
    return this.length[n]!;
  }

  /** Once released bytes are half of all: packs the live ones into new slabs (numbers stay). */
  compact(): void {
    if (this.allBytes - this.liveBytes <= Math.max(this.liveBytes, SLAB_BYTES)) return;
    const old = this.slabs;
    const freed = new Set(this.free);
    this.slabs = [];
    this.used = SLAB_BYTES;
    this.allBytes = 0;
    for (let n = 0; n < this.count; n++) {
      if (freed.has(n)) continue;
      const at = this.offset[n]!;
      this.place(n, old[this.slab[n]!]!.subarray(at, at + this.length[n]!));
    }
  }
}
