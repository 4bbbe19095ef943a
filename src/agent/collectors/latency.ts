/**
 * @module Latency probes: every interval, the TCP connect time to each configured target
 * (ServerStatus users watch their carriers this way), or an ICMP echo through the system's `ping`
 * for `icmp:` targets, kept as `latency.<label>` in ms and `loss.<label>`, the share of the last 10
 * probes that failed. Where ICMP is not possible (no ping, not permitted) such a target is probed
 * over TCP port 80 instead, and the log says so once. Probes run on their own timer; each sample
 * carries the latest results.
 */
import net from 'node:net';
import type { MetricValues } from '../../protocol/metrics';
import { LATENCY_PREFIX, LOSS_PREFIX } from '../../protocol/metrics';
import { log } from '../../util/log';
import { builtin } from '../../util/builtin';

export interface LatencyTarget {
  label: string;
  host: string;
  /** TCP port; for ICMP targets, the port probed when ICMP is not possible. */
  port: number;
  /** Default tcp. */
  kind?: 'tcp' | 'icmp';
}

/** The ICMP round trip to `host` in ms through `ping`; null if no reply; 'unavailable' if this machine cannot ping at all. */
export function icmpPingMs(host: string, timeoutMs: number, command = 'ping'): Promise<number | null | 'unavailable'> {
  return new Promise((resolve) => {
    const wait = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
    builtin('node:child_process').execFile(
      command,
      ['-n', '-c', '1', '-W', wait, host],
      { timeout: timeoutMs + 1000 },
      (err, stdout, stderr) => {
        const time = /time[=<]\s*([\d.]+)\s*ms/.exec(stdout);
        if (time) return resolve(Math.round(Number(time[1]) * 100) / 100);
        const missing = (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
        resolve(missing || /not permitted|socket:|permission denied/i.test(stderr) ? 'unavailable' : null);
      },
    );
  });
}

const WINDOW = 10;

/** Connect time to host:port in ms, or null if it failed or took longer than `timeoutMs`. */
export async function tcpConnectMs(host: string, port: number, timeoutMs: number): Promise<number | null> {
  let address: string;
  try {
    // Resolve first, so the figure is the network's round trip and not the resolver's.
    address = net.isIP(host) ? host : (await builtin('node:dns/promises').lookup(host)).address;
  } catch {
    return null;
  }
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = net.connect({ host: address, port });
    const done = (ms: number | null) => {
      socket.destroy();
      resolve(ms);
    };
    socket.setTimeout(timeoutMs, () => done(null));
    socket.once('connect', () => done(Math.round((performance.now() - started) * 100) / 100));
    socket.once('error', () => done(null));
  });
}

export class LatencyProber {
  private readonly results = new Map<string, (number | null)[]>();
  private timer: NodeJS.Timeout | null = null;
  /** ICMP targets probed over TCP because this machine cannot ping. */
  private readonly icmpUnavailable = new Set<string>();

  constructor(
    private readonly targets: readonly LatencyTarget[],
    private readonly intervalMs: number,
    private readonly timeoutMs = Math.min(5000, intervalMs),
    private readonly pingCommand = 'ping',
  ) {}

  /** Metric names this prober may report, for hello's schema. */
  get metricNames(): string[] {
    return this.targets.flatMap((t) => [LATENCY_PREFIX + t.label, LOSS_PREFIX + t.label]);
  }

  start(): void {
    if (this.targets.length === 0 || this.timer) return;
    void this.probeAll();
    this.timer = setInterval(() => void this.probeAll(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async probeAll(): Promise<void> {
    await Promise.all(
      this.targets.map(async (t) => {
        const ms = await this.probe(t);
        const list = this.results.get(t.label) ?? [];
        list.push(ms);
        if (list.length > WINDOW) list.shift();
        this.results.set(t.label, list);
      }),
    );
  }

  private async probe(t: LatencyTarget): Promise<number | null> {
    if (t.kind === 'icmp' && !this.icmpUnavailable.has(t.label)) {
      const ms = await icmpPingMs(t.host, this.timeoutMs, this.pingCommand);
      if (ms !== 'unavailable') return ms;
      this.icmpUnavailable.add(t.label);
      log.warn(`ICMP is not possible here (no ping, or not permitted); probing TCP port ${t.port} instead`, { target: t.label });
    }
    return tcpConnectMs(t.host, t.port, this.timeoutMs);
  }

  /** The latest results, added to a sample. A target not probed yet is absent. */
  collect(out: MetricValues): void {
    for (const [label, list] of this.results) {
      const last = list[list.length - 1];
      if (last !== null && last !== undefined) out[LATENCY_PREFIX + label] = last;
      out[LOSS_PREFIX + label] = Math.round((list.filter((v) => v === null).length / list.length) * 1000) / 10;
    }
  }
}
