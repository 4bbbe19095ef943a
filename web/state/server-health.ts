/**
 * @module The server's own health for the admin: /healthz polled while the admin is open, so a
 * server that cannot store samples (a full disk) says so at the top of the page.
 */
import { signal } from '@preact/signals';
import type { HealthView } from '../../src/protocol/messages';

const POLL_MS = 5000;

export const health = signal<HealthView | null>(null);

async function load(): Promise<void> {
  try {
    // 503 while degraded: the body says why.
    health.value = (await (await fetch('/healthz')).json()) as HealthView;
  } catch {
    // The server is away: the live feed's own state shows that.
  }
}

/** Polls until the returned function is called. */
export function watchHealth(): () => void {
  void load();
  const timer = setInterval(() => void load(), POLL_MS);
  return () => clearInterval(timer);
}
