/**
 * @module A fault-injecting TCP proxy on loopback, for tests and bench:chaos (this kernel has no
 * netem): passes bytes both ways, or black-holes them (stops forwarding both ways, sockets kept
 * open: no FIN, no RST, as a dead route looks), delays every chunk by a latency with jitter (each
 * direction keeps its order), and resets open connections at random (RST) at a rate per second.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface FaultOptions {
  /** Stop forwarding both ways, keeping every socket open (new connections are accepted and starve). */
  blackhole?: boolean;
  /** Mean one-way delay per chunk, ms, ± jitterMs (uniform). */
  latencyMs?: number;
  jitterMs?: number;
  /** Chance, each second, that an open connection is reset (0.05: 5 % of connections a second). */
  resetPerSecond?: number;
}

export interface FaultProxy {
  port: number;
  /** Changes the fault from now on (the black hole's held bytes are dropped, not delivered later). */
  set(options: FaultOptions): void;
  /** Connections accepted, and reset by the proxy, so far. */
  readonly stats: { connections: number; resets: number };
  close(): void;
}

/** A deterministic random source for repeatable faults (LCG). */
export function seeded(seed: number): () => number {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** One direction of one connection: chunks delivered in order, each no earlier than its own delay. */
function pipe(from: net.Socket, to: net.Socket, fault: () => FaultOptions, random: () => number): void {
  let lastAt = 0;
  from.on('data', (chunk: Buffer) => {
    const f = fault();
    if (f.blackhole) return;
    const delay = (f.latencyMs ?? 0) + (f.jitterMs ? (random() * 2 - 1) * f.jitterMs : 0);
    if (delay <= 0 && lastAt <= Date.now()) return void to.write(chunk);
    const at = Math.max(lastAt, Date.now() + delay);
    lastAt = at;
    setTimeout(() => to.destroyed || to.write(chunk), at - Date.now());
  });
}

export async function startFaultProxy(upstreamPort: number, random: () => number = Math.random): Promise<FaultProxy> {
  let fault: FaultOptions = {};
  const pairs = new Set<[net.Socket, net.Socket]>();
  const stats = { connections: 0, resets: 0 };
  const server = net.createServer((client) => {
    stats.connections++;
    const upstream = net.connect(upstreamPort, '127.0.0.1');
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    pipe(client, upstream, () => fault, random);
    pipe(upstream, client, () => fault, random);
    for (const s of pair) {
      s.on('error', () => undefined).on('close', () => {
        pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      });
    }
  });
  const resets = setInterval(() => {
    const p = fault.resetPerSecond ?? 0;
    if (p <= 0) return;
    for (const pair of pairs) {
      if (random() >= p) continue;
      stats.resets++;
      for (const s of pair) s.resetAndDestroy();
    }
  }, 1000).unref();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    stats,
    set(options) {
      fault = options;
    },
    close() {
      clearInterval(resets);
      for (const pair of pairs) for (const s of pair) s.destroy();
      server.close();
    },
  };
}
