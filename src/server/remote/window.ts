/**
 * @module One window of the outbox as remote-write requests: its samples grouped by series (so a
 * series' labels go once per request, not once per value), then cut into requests of about
 * `maxRequestBytes` before compression. The same rows always give the same requests in the same
 * order, so a restart can skip those already accepted.
 */
import type { OutboxStore } from '../../store/store';
import type { SeriesLabel, SeriesLabels } from './series-labels';
import { snappyCompress } from './snappy';
import { WriteRequestWriter } from './write-request';

/** Rows read between two yields to the event loop (each ~50 ms of ingest). */
const ROWS_PER_SLICE = 20;

class SeriesSamples {
  ts: number[] = [];
  values: number[] = [];
  ordered = true;
  constructor(readonly label: SeriesLabel) {}

  add(ts: number, value: number): void {
    const n = this.ts.length;
    if (n > 0 && ts < this.ts[n - 1]!) this.ordered = false;
    this.ts.push(ts);
    this.values.push(value / this.label.divisor);
  }

  /** Oldest first (backfill arrives after newer samples). */
  sort(): void {
    if (this.ordered) return;
    const order = this.ts.map((_, i) => i).sort((a, b) => this.ts[a]! - this.ts[b]!);
    this.ts = order.map((i) => this.ts[i]!);
    this.values = order.map((i) => this.values[i]!);
    this.ordered = true;
  }
}

export interface WindowRequest {
  /** The request body, snappy-compressed. */
  body: Buffer;
  /** Prometheus samples in it. */
  values: number;
}

/** Gives the event loop a turn (ingest flushes and acks go on while a large window is read). */
export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Reads rows (afterId, toId] into series, a slice of rows at a time. */
export async function readWindow(outbox: OutboxStore, afterId: number, toId: number, labels: SeriesLabels): Promise<SeriesSamples[]> {
  const order: SeriesSamples[] = [];
  const byNode = new Map<number, Map<number, SeriesSamples | null>>();
  const onSample = (nodeId: number, ts: number, ids: readonly number[], values: number[]) => {
    let series = byNode.get(nodeId);
    if (!series) {
      const nodeLabels = labels.forNode(nodeId);
      if (!nodeLabels) return;
      byNode.set(nodeId, (series = new Map()));
    }
    for (let i = 0; i < ids.length; i++) {
      const value = values[i]!;
      if (Number.isNaN(value)) continue;
      let s = series.get(ids[i]!);
      if (s === undefined) {
        const label = labels.metric(nodeId, labels.forNode(nodeId)!, ids[i]!);
        series.set(ids[i]!, (s = label && new SeriesSamples(label)));
        if (s) order.push(s);
      }
      s?.add(ts, value);
    }
  };
  for (let at = afterId; at < toId; ) {
    const last = outbox.read(at, toId, ROWS_PER_SLICE, onSample);
    if (last === at) break;
    at = last;
    await yieldToLoop();
  }
  return order;
}

/** The window's requests in order; `skip` first ones only counted (accepted before a restart), not compressed. */
export async function* windowRequests(series: SeriesSamples[], maxRequestBytes: number, skip: number): AsyncGenerator<WindowRequest> {
  const writer = new WriteRequestWriter();
  let made = 0;
  const cut = (): WindowRequest | null => {
    const request = made++ < skip ? null : { body: snappyCompress(writer.bytes()), values: writer.values };
    writer.reset();
    return request;
  };
  for (const s of series) {
    s.sort();
    writer.addSeries(s.label.labels, s.ts, s.values, s.ts.length);
    if (writer.length >= maxRequestBytes) {
      const request = cut();
      if (request) yield request;
      await yieldToLoop();
    }
  }
  if (writer.length > 0) {
    const request = cut();
    if (request) yield request;
  }
}
