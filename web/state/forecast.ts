/**
 * @module Forecasts for the page: the node page's (GET /api/nodes/:id/forecast, on opening it) and
 * the overview's soonest per node (GET /api/forecasts, every 10 minutes, sooner while the server
 * is still working them out), and the words each is shown in.
 */
import { signal } from '@preact/signals';
import type { ForecastAnswer, ForecastItem, ForecastsSoon } from '../../src/protocol/forecast';
import type { StringKey } from '../lib/i18n';
import { t } from './lang';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const POLL_MS = 10 * 60_000;
const PENDING_POLL_MS = 5_000;

export const nodeForecast = signal<ForecastAnswer | null>(null);
export const soonForecasts = signal<Record<string, ForecastItem>>({});

let request = 0;

export async function loadForecast(nodeId: number): Promise<void> {
  const mine = ++request;
  if (nodeForecast.peek()?.nodeId !== nodeId) nodeForecast.value = null;
  try {
    const res = await fetch(`/api/nodes/${nodeId}/forecast`);
    if (mine === request && res.ok) nodeForecast.value = (await res.json()) as ForecastAnswer;
  } catch {
    // No forecast line is shown; the charts say what there is.
  }
}

let watching = false;
let soonText = '{}';

async function loadSoon(): Promise<void> {
  let next = POLL_MS;
  try {
    const res = await fetch('/api/forecasts');
    if (res.ok) {
      const body = (await res.json()) as ForecastsSoon;
      // Every whole card reads this: a poll that brings nothing new redraws none of them.
      const text = JSON.stringify(body.soon);
      if (text !== soonText) soonForecasts.value = body.soon;
      soonText = text;
      if (body.pending > 0) next = PENDING_POLL_MS;
    }
  } catch {
    // Kept as they were; the next poll tries again.
  }
  setTimeout(() => void loadSoon(), next);
}

/** Starts polling the overview's forecasts (once, however many cards ask). */
export function watchForecasts(): void {
  if (watching) return;
  watching = true;
  void loadSoon();
}

/** "/", "Memory", "Traffic": what a line names. */
export function subject(item: ForecastItem): string {
  if (item.metric === 'disk') return item.mount ?? t('disk');
  return t(item.metric === 'traffic' ? 'trafficShort' : item.metric);
}

/** The reason in a few words of the page's language (the server's full words go in the title). */
function why(reason: string | undefined): StringKey {
  if (!reason) return 'whyOther';
  if (/^(needs|too few)/.test(reason)) return 'whyData';
  if (reason.startsWith('not growing')) return 'whyFlat';
  if (reason.startsWith('shrinking')) return 'whyShrinking';
  if (reason.startsWith('seasonal')) return 'whySeasonal';
  if (reason.startsWith('lasts')) return 'whyLasts';
  return 'whyOther';
}

/** "/ full in ~9 days (7–12)", or why there is no date. */
export function forecastLine(item: ForecastItem, now: number): string {
  const what = subject(item);
  const quota = item.metric === 'traffic';
  if (item.fullAt === null) return t('noForecast', { what, why: t(why(item.reason)) });
  const left = item.fullAt - now;
  if (left <= 0) return t(quota ? 'quotaNow' : 'fullNow', { what });
  if (left < 2 * DAY_MS) return t(quota ? 'quotaInHours' : 'fullInHours', { what, n: Math.max(1, Math.round(left / HOUR_MS)) });
  const days = (ts: number | null) => Math.max(0, Math.round(((ts ?? item.fullAt!) - now) / DAY_MS));
  const [low, high] = [days(item.low), days(item.high)];
  const range = low === high ? '' : t('forecastRange', { low, high });
  return t(quota ? 'quotaInDays' : 'fullInDays', { what, n: days(item.fullAt), range });
}

/** The card's badge: "/ full ~9d". */
export function badgeText(item: ForecastItem, now: number): string {
  const left = Math.max(0, item.fullAt! - now);
  const what = item.metric === 'traffic' ? t('trafficShort') : subject(item);
  return left < 2 * DAY_MS
    ? t('badgeHours', { what, n: Math.round(left / HOUR_MS) })
    : t('badgeDays', { what, n: Math.round(left / DAY_MS) });
}
