/**
 * @module bench/ingest.ts --remote-write: a VictoriaMetrics on loopback as the server's remote-write
 * target for a second run of the same load, and the lag the server reports on /metrics meanwhile.
 */
import path from 'node:path';
import { freePort } from '../test/e2e/tsdb';
import { sleep } from './children';
import type { Child } from './children';

/** Where remote write goes: its write URL, its process (to read its CPU) and what it is, for the report. */
export interface RemoteTarget {
  url: string;
  pid: number;
  name: string;
}

/** Starts VictoriaMetrics in `dir`; its remote-write URL once it answers /health. */

export async function startRemoteTarget(start: (command: string, argv: string[]) => Child, dir: string): Promise<RemoteTarget> {
  const port = await freePort();
  const vm = start('/usr/bin/victoria-metrics', [
    `-storageDataPath=${path.join(dir, 'vm-remote')}`,
    `-httpListenAddr=127.0.0.1:${port}`,
    '-retentionPeriod=100y',
    '-loggerLevel=ERROR',
  ]);
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) break;
    } catch {
      if (i > 200) throw new Error('VictoriaMetrics did not start');
    }
    await sleep(100);
  }
  return { url: `http://127.0.0.1:${port}/api/v1/write`, pid: vm.pid!, name: 'VictoriaMetrics' };
}

/** Reads each request to its end and answers 204; prints its port. */
const SINK = `const s = require('node:http').createServer((q, r) => { q.resume(); q.on('end', () => { r.statusCode = 204; r.end(); }); });
s.listen(0, '127.0.0.1', () => console.log('port ' + s.address().port));`;

/**
 * A receiver that reads each request and answers 204, in its own process (--remote-sink): a TSDB
 * on another machine, as in a deployment, where VictoriaMetrics on loopback takes a third of the
 * two cores the server is measured on.
 */
export async function startRemoteSink(start: (command: string, argv: string[]) => Child): Promise<RemoteTarget> {
  const sink = start(process.execPath, ['-e', SINK]);
  const port = Number(/port (\d+)/.exec(await sink.waitLine(/^port \d+/, 10_000))![1]);
  return { url: `http://127.0.0.1:${port}/api/v1/write`, pid: sink.pid!, name: 'a receiver that discards' };
}

export interface LagFigures {
  /** The largest lag /metrics showed while measuring, and the last; pending samples at the end. */
  maxLagS: number;
  lastLagS: number;
  pendingSamples: number;
  sentValues: number;
  failures: number;
}

/**
 * Reads the server's remote-write figures from /metrics as a Prometheus scraping it would: `tick`,
 * called once a second by the measuring loop, starts a read once `everyS` seconds have passed since
 * the last one began and none is running. Both runs are read at the same rate, so the reads cost
 * them alike. (Read every second, a 10 000-node page cost the server more than remote write did.)
 */
export class LagWatch {
  readonly figures: LagFigures = { maxLagS: 0, lastLagS: 0, pendingSamples: 0, sentValues: 0, failures: 0 };
  /** Reads done, and their total time in ms, for the report. */
  reads = 0;
  readMs = 0;
  private reading: Promise<void> | null = null;
  private lastStart = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly base: string,
    private readonly everyS: number,
  ) {}

  /** Starts a read if it is time and none is running. */
  tick(): void {
    if (this.reading || Date.now() - this.lastStart < this.everyS * 1000 - 100) return;
    this.lastStart = Date.now();
    this.reading = this.read().finally(() => {
      this.reading = null;
    });
  }

  /** Waits for a running read. */
  async idle(): Promise<void> {
    await this.reading;
  }

  /** Waits for a running read, then reads once more. */
  async settle(): Promise<void> {
    await this.idle();
    await this.read();
  }

  private async read(): Promise<void> {
    const start = Date.now();
    const page = await (await fetch(`${this.base}/metrics`)).text();
    this.reads++;
    this.readMs += Date.now() - start;
    // Remote write's families end the page: at 10 000 nodes the rest is 33 MB, which this process has better things to scan.
    const text = page.slice(Math.max(0, page.indexOf('# HELP probe_remote_write_')));
    const value = (name: string) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
    const f = this.figures;
    f.lastLagS = value('probe_remote_write_lag_seconds');
    f.maxLagS = Math.max(f.maxLagS, f.lastLagS);
    f.pendingSamples = value('probe_remote_write_pending_samples');
    f.sentValues = value('probe_remote_write_sent_values_total');
    f.failures = value('probe_remote_write_failures_total');
  }
}

/** The line bench:ingest prints: CPU per million values with and without remote write, and the lag. */
export function remoteReport(without: number, withRemote: number, lag: LagFigures): string {
  const increase = ((withRemote - without) / without) * 100;
  return (
    `remote write: ${withRemote.toFixed(3)} CPU-s per million values with, ${without.toFixed(3)} without (${increase.toFixed(1)} %); ` +
    `lag on /metrics at worst ${lag.maxLagS.toFixed(1)} s while measuring, ${lag.lastLagS.toFixed(1)} s and ${lag.pendingSamples} ` +
    `samples pending after the load stopped; ${lag.sentValues} values sent, ${lag.failures} failed requests`
  );
}
