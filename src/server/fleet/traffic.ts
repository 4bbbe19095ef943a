/**
 * @module Traffic per billing period, from the agents' since-boot byte counters: each live sample
 * adds the growth since the previous one (after a reboot, the whole new count). Persisted
 * together with the last counter seen, so whatever happens while the server is down is counted
 * by the first sample after it.
 */
import { indexOfNames } from '../../protocol/row';

export interface TrafficState {
  periodStart: number;
  rxBytes: number;
  txBytes: number;
  lastTs: number;
  lastRxTotal: number;
  lastTxTotal: number;
}

/** Start of the billing period holding `ts`: local midnight of the latest `resetDay` (1–28) not after it. */
export function periodStart(ts: number, resetDay: number): number {
  const d = new Date(ts);
  const month = d.getDate() >= resetDay ? d.getMonth() : d.getMonth() - 1;
  return new Date(d.getFullYear(), month, resetDay).getTime();
}

/** The state after one sample; older or equal timestamps change nothing. */
export function addTraffic(
  prev: TrafficState | undefined,
  ts: number,
  rxTotal: number,
  txTotal: number,
  resetDay: number,
  start = periodStart(ts, resetDay),
): TrafficState {
  if (!prev) return { periodStart: start, rxBytes: 0, txBytes: 0, lastTs: ts, lastRxTotal: rxTotal, lastTxTotal: txTotal };
  if (ts <= prev.lastTs) return prev;
  // A counter that went down means the host rebooted: it counts from zero again.
  const rx = rxTotal >= prev.lastRxTotal ? rxTotal - prev.lastRxTotal : rxTotal;
  const tx = txTotal >= prev.lastTxTotal ? txTotal - prev.lastTxTotal : txTotal;
  const same = start === prev.periodStart;
  return {
    periodStart: start,
    rxBytes: (same ? prev.rxBytes : 0) + rx,
    txBytes: (same ? prev.txBytes : 0) + tx,
    lastTs: ts,
    lastRxTotal: rxTotal,
    lastTxTotal: txTotal,
  };
}

export interface TrafficReading {
  rxBytes: number;
  txBytes: number;
  periodStart: number;
}

export class TrafficMeter {
  private readonly states = new Map<number, TrafficState>();
  private readonly dirty = new Set<number>();
  /** The last period computed, [start, end) for a reset day: nearly every sample falls in it. */
  private period = { resetDay: 0, start: 0, end: 0 };

  constructor(private readonly resetDay: (nodeId: number) => number) {}

  restore(rows: readonly { nodeId: number; state: string }[]): void {
    for (const row of rows) {
      try {
        this.states.set(row.nodeId, JSON.parse(row.state) as TrafficState);
      } catch {
        // A damaged row only loses that node's count so far; it starts again at the next sample.
      }
    }
  }

  /** periodStart, without building two Dates for each of thousands of samples a second. */
  private periodStart(ts: number, resetDay: number): number {
    const p = this.period;
    if (p.resetDay === resetDay && ts >= p.start && ts < p.end) return p.start;
    const start = periodStart(ts, resetDay);
    const d = new Date(start);
    this.period = { resetDay, start, end: new Date(d.getFullYear(), d.getMonth() + 1, resetDay).getTime() };
    return start;
  }

  add(nodeId: number, ts: number, rxTotal: number | undefined, txTotal: number | undefined): void {
    if (rxTotal === undefined || txTotal === undefined) return;
    const prev = this.states.get(nodeId);
    const resetDay = this.resetDay(nodeId);
    const next = addTraffic(prev, ts, rxTotal, txTotal, resetDay, this.periodStart(ts, resetDay));
    if (next === prev) return;
    // Kept in place: a new state each second per node would outlive the young generation.
    if (prev) Object.assign(prev, next);
    else this.states.set(nodeId, next);
    this.dirty.add(nodeId);
  }

  /** The current period's counts at `now` (zero once a new period began without a sample yet). */
  read(nodeId: number, now: number): TrafficReading {
    const start = this.periodStart(now, this.resetDay(nodeId));
    const state = this.states.get(nodeId);
    if (!state || state.periodStart !== start) return { rxBytes: 0, txBytes: 0, periodStart: start };
    return { rxBytes: state.rxBytes, txBytes: state.txBytes, periodStart: start };
  }

  forget(nodeId: number): void {
    this.states.delete(nodeId);
    this.dirty.delete(nodeId);
  }

  /** States changed since the last call, ready for Store.putTrafficStates. */
  takeDirty(): { nodeId: number; state: string }[] {
    const out = [...this.dirty].flatMap((nodeId) => {
      const state = this.states.get(nodeId);
      return state ? [{ nodeId, state: JSON.stringify(state) }] : [];
    });
    this.dirty.clear();
    return out;
  }
}

/** Where a row's names hold the interface byte totals (-1: absent), once per names array. */
const trafficByNames = new WeakMap<readonly string[], { rx: number; tx: number }>();

export function trafficColumns(names: readonly string[]): { rx: number; tx: number } {
  let columns = trafficByNames.get(names);
  if (!columns) {
    const index = indexOfNames(names);
    trafficByNames.set(names, (columns = { rx: index.get('netRxBytesTotal') ?? -1, tx: index.get('netTxBytesTotal') ?? -1 }));
  }
  return columns;
}

/** The value at `i`, undefined where absent (NaN) or `i` is -1. */
export function valueAt(data: Float64Array, i: number): number | undefined {
  const v = i < 0 ? NaN : data[i]!;
  return Number.isNaN(v) ? undefined : v;
}
