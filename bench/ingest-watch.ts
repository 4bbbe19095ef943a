/**
 * @module What bench/ingest.ts watches besides CPU: send->browser latency at a /ws/live client,
 * and the server's own event-loop lines (PROBE_EVENT_LOOP_LOG, src/server/event-loop.ts).
 */
import { appendFileSync } from 'node:fs';
import WebSocket from 'ws';
import type { LiveMessage } from '../src/protocol/messages';
import { log, percentile } from './children';

/** A page's feed: while `measuring`, how long after its sample's ts each node update arrived. */
export class LiveClient {
  measuring = false;
  readonly latencies: number[] = [];
  private readonly ws: WebSocket;
  private frames = 0;

  /** `only`: measure just these nodes (a cluster page's nodes whose agents are on another server). */
  constructor(
    url: string,
    private readonly only?: ReadonlySet<number>,
  ) {
    this.ws = new WebSocket(`${url.replace('http', 'ws')}/ws/live`, { perMessageDeflate: false });
    this.ws.on('close', (code) => log(`live client closed (${code}) after ${this.frames} frames`));
    this.ws.on('error', (err) => log(`live client: ${err.message}`));
    this.ws.on('message', (data) => this.onFrame(data.toString()));
  }

  private onFrame(text: string): void {
    this.frames++;
    const received = Date.now();
    if (!this.measuring) return;
    const msg = JSON.parse(text) as LiveMessage;
    if (msg.type !== 'update') return;
    let worst = 0;
    for (const n of msg.nodes) {
      if (typeof n.lastSeen !== 'number' || (this.only && !this.only.has(n.id))) continue;
      this.latencies.push(received - n.lastSeen);
      worst = Math.max(worst, received - n.lastSeen);
    }
    if (process.env.BENCH_LATENCY_LOG) appendFileSync(process.env.BENCH_LATENCY_LOG, `${received} ${msg.nodes.length} ${worst}\n`);
  }

  /** p50, p99, p99.9 and the worst, and the share later than 250 ms. */
  figures(): { p50Ms: number; p99Ms: number; p999Ms: number; maxMs: number; over250: number } {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return {
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      p999Ms: percentile(sorted, 99.9),
      maxMs: sorted.at(-1) ?? NaN,
      over250: sorted.filter((ms) => ms > 250).length / sorted.length,
    };
  }

  terminate(): void {
    this.ws.terminate();
  }
}

export interface LoopSummary {
  periods: number;
  /** The highest p99 delay of any period, and the longest delay. */
  worstP99Ms: number;
  maxMs: number;
  /** Per second of the window: collector pauses in ms, and full collections. */
  gcMsPerS: number;
  gcMaxMs: number;
  majorGcs: number;
  /** Each period's longest delay, in order: where the spikes fall. */
  maxByPeriod: number[];
}

/** Sums up the server's "event loop" log lines (key=value, from src/server/event-loop.ts). */
export function summarizeLoop(lines: readonly string[], periodS: number): LoopSummary | null {
  const periods = lines
    .filter((l) => / event loop /.test(l))
    .map((l) => Object.fromEntries([...l.matchAll(/(\w+)=([\d.]+)/g)].map((m) => [m[1]!, Number(m[2])])));
  if (periods.length === 0) return null;
  const sum = (key: string) => periods.reduce((s, p) => s + (p[key] ?? 0), 0);
  const max = (key: string) => Math.max(...periods.map((p) => p[key] ?? 0));
  return {
    periods: periods.length,
    worstP99Ms: max('delayP99Ms'),
    maxMs: max('delayMaxMs'),
    gcMsPerS: +(sum('gcMs') / (periods.length * periodS)).toFixed(1),
    gcMaxMs: max('gcMaxMs'),
    majorGcs: sum('majorGcCount'),
    maxByPeriod: periods.map((p) => p.delayMaxMs ?? 0),
  };
}
