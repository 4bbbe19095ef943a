/**
 * @module Service checks for the page: GET /api/checks and each shown check's last 24 h of
 * history (for its response-time chart), at start and then every 30 s; checks run every minute
 * by default, so the page is never more than one run behind for long.
 */
import { signal } from '@preact/signals';
import type { CheckView, ChecksAnswer } from '../../src/protocol/checks';
import type { HistoryAnswer } from '../../src/protocol/history';
import { historyColumns } from '../../src/protocol/history';
import type { History } from './history';

const POLL_MS = 30_000;

export const checks = signal<CheckView[]>([]);
/** Each check's last 24 h by id, once loaded. */
export const checkHistory = signal<ReadonlyMap<number, History>>(new Map());

async function getJson<T>(url: string): Promise<T | null> {
  try {
    const res = await fetch(url);
    return res.ok ? ((await res.json()) as T) : null;
  } catch {
    // The live socket shows the server is away; the section keeps what it had.
    return null;
  }
}

async function load(): Promise<void> {
  const answer = await getJson<ChecksAnswer>('/api/checks');
  if (!answer) return;
  checks.value = answer.checks;
  const histories = await Promise.all(answer.checks.map((c) => getJson<HistoryAnswer>(`/api/checks/${c.id}/history?range=24h`)));
  const next = new Map<number, History>();
  answer.checks.forEach((c, i) => {
    const h = histories[i];
    if (h) next.set(c.id, { stepMs: h.stepMs, ts: h.ts, series: historyColumns(h) });
  });
  checkHistory.value = next;
}

let watching = false;

export function watchChecks(): void {
  if (watching) return;
  watching = true;
  void load();
  setInterval(() => void load(), POLL_MS);
}
