/**
 * @module Alerts for the page: GET /api/alerts every 15 s (and once at start), when the config
 * makes alerts public at all.
 */
import { signal } from '@preact/signals';
import type { AlertsView } from '../../src/protocol/messages';
import { pageInfo } from './page-info';

const POLL_MS = 15_000;

export const alerts = signal<AlertsView>({ firing: [], recent: [] });

async function load(): Promise<void> {
  try {
    const res = await fetch('/api/alerts');
    if (res.ok) alerts.value = (await res.json()) as AlertsView;
  } catch {
    // The live socket shows the server is away; the panel keeps what it had.
  }
}

let watching = false;

export function watchAlerts(): void {
  if (pageInfo.alerts === 'none' || watching) return;
  watching = true;
  void load();
  setInterval(() => void load(), POLL_MS);
}
