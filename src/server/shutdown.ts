/**
 * @module Stops a running server in order: timers, then new connections, then open sockets (given
 * a second to answer close frames), then the writes still queued, and the database last.
 */
import type { Server } from 'node:http';
import type { Clock } from '../util/clock';

/** A gateway: `close` asks its peers to go, `terminate` cuts those still there. */
interface Gateway {
  close(): void;
  terminate(): void;
}

export interface ShutdownParts {
  /** Timers and background work, stopped first. */
  background: ReadonlyArray<{ stop(): void } | null>;
  agents: Gateway;
  live: Gateway;
  http: Server;
  /** Commits what is queued. */
  queue: { close(): void };
  /** Last writes before the store closes (traffic counters). */
  flush(): void;
  store: { close(): void };
  clock: Clock;
}

export async function shutdown(parts: ShutdownParts): Promise<void> {
  for (const work of parts.background) work?.stop();
  parts.agents.close();
  parts.live.close();
  const closed = new Promise<void>((resolve) => parts.http.close(() => resolve()));
  parts.http.closeAllConnections();
  // Peers get a second to answer the close frames; then their sockets are cut.
  await Promise.race([closed, new Promise<void>((resolve) => parts.clock.after(1000, resolve).unref())]);
  parts.agents.terminate();
  parts.live.terminate();
  await closed;
  parts.queue.close();
  parts.flush();
  parts.store.close();
}
