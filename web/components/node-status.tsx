/** @module A node's status line, flag and notes: shared by the card, the table and the node page. */
import type { NodeView } from '../../src/protocol/messages';
import { LATENCY_PREFIX, LOSS_PREFIX } from '../../src/protocol/metrics';
import { daysUntil, flagEmoji, formatBytes, formatDuration, formatMs, ratio, secondsSince } from '../lib/format';
import { lang, t } from '../state/lang';
import { emojiFlags } from '../state/flags';
import { now } from '../state/nodes';
import { Bar } from './bar';

export function agoText(ts: number | null): string {
  if (ts === null) return t('never');
  const seconds = secondsSince(ts, now.value);
  return seconds < 5 ? t('justNow') : t('ago', { d: formatDuration(seconds) });
}

/** The status line's words: online, waiting for a first sample, or offline since when. */
export function statusText(node: NodeView): string {
  if (node.online) return t('online');
  if (node.lastSeen === null) return t('waiting');
  return `${t('offline')} · ${t('lastSeen', { ago: agoText(node.lastSeen) })}`;
}

export function StatusText({ node }: { node: NodeView }) {
  const text = statusText(node);
  return (
    <span class="status" data-status={node.online ? 'online' : 'offline'}>
      <span class={`dot ${node.online ? 'up' : 'down'}`} aria-hidden="true" />
      {text}
    </span>
  );
}

/** What a node's flag, name and status line show, as one string (for the cheap forms' cache, near-slot.ts). */
export function headKey(node: NodeView): string {
  const status = node.online || node.lastSeen === null ? '' : agoText(node.lastSeen);
  return [node.id, node.name, node.location, node.online, status, emojiFlags.value, lang.value].join('\n');
}

/** Smaller offsets are the network's as much as the clock's. */
const CLOCK_OFF_MS = 5000;

/** "clock 1h 0m ahead" on a node whose clock is off (admins only); `offsetMs` is what the server adds to its stamps. */
export function ClockTag({ offsetMs, testId }: { offsetMs: number | undefined; testId: string }) {
  if (offsetMs === undefined || Math.abs(offsetMs) < CLOCK_OFF_MS) return null;
  return (
    <span class="tag warn" title={t('clockOffHint')} data-testid={testId}>
      {t(offsetMs > 0 ? 'clockBehind' : 'clockAhead', { by: formatDuration(Math.abs(offsetMs) / 1000) })}
    </span>
  );
}

/** The country's flag emoji, or its two letters in a badge where the browser cannot draw the flag (see state/flags). */
export function Flag({ code }: { code: string }) {
  const flag = flagEmoji(code);
  if (!flag) return null;
  return emojiFlags.value ? (
    <span class="flag" role="img" aria-label={code} title={code}>
      {flag}
    </span>
  ) : (
    <abbr class="flag-code" title={code}>
      {code.toUpperCase()}
    </abbr>
  );
}

export function expiryText(expires: string): { text: string; level: '' | 'warn' | 'crit' } {
  const days = daysUntil(expires, now.value);
  if (days < 0) return { text: t('expired', { n: -days }), level: 'crit' };
  if (days === 0) return { text: t('expiresToday'), level: 'crit' };
  return { text: t('daysLeft', { n: days }), level: days <= 7 ? 'crit' : days <= 30 ? 'warn' : '' };
}

/** Monthly traffic, as a bar when the owner set a limit. */
export function Traffic({ node }: { node: NodeView }) {
  const used = node.monthRxBytes + node.monthTxBytes;
  const detail = `↓ ${formatBytes(node.monthRxBytes)} ↑ ${formatBytes(node.monthTxBytes)}`;
  const limit = node.notes?.trafficLimitBytes;
  if (limit)
    return (
      <Bar label={t('trafficShort')} percent={ratio(used, limit)} detail={`${formatBytes(used)} / ${formatBytes(limit)}`} title={detail} />
    );
  return (
    <div class="metric-head">
      <span class="metric-label">{t('trafficShort')}</span>
      <span class="metric-value" data-metric="traffic">
        {detail}
      </span>
    </div>
  );
}

export function Notes({ node }: { node: NodeView }) {
  const notes = node.notes;
  if (!notes || (!notes.price && !notes.expires && !notes.note)) return null;
  const expiry = notes.expires ? expiryText(notes.expires) : null;
  return (
    <p class="notes">
      {notes.price && (
        <span>
          {notes.price}
          {notes.billing && ` / ${notes.billing}`}
        </span>
      )}
      {expiry && (
        <span class={`expiry ${expiry.level}`} title={`${t('expires')} ${notes.expires}`} data-testid="expiry">
          {expiry.text}
        </span>
      )}
      {notes.note && <span class="note">{notes.note}</span>}
    </p>
  );
}

/** Probe target labels the node reports, in name order. */
export function latencyTargets(node: NodeView): string[] {
  return Object.keys(node.values)
    .filter((name) => name.startsWith(LOSS_PREFIX))
    .map((name) => name.slice(LOSS_PREFIX.length))
    .sort();
}

/** One line per latency target: connect time and loss over the last probes. */
export function Latency({ node }: { node: NodeView }) {
  const labels = latencyTargets(node);
  if (labels.length === 0) return null;
  return (
    <dl class="facts latency" aria-label={t('latency')}>
      {labels.map((label) => {
        const loss = node.values[LOSS_PREFIX + label] ?? 0;
        return (
          <div key={label}>
            <dt>{label}</dt>
            <dd data-metric={LATENCY_PREFIX + label} class={loss >= 50 ? 'crit' : loss > 0 ? 'warn' : ''}>
              {formatMs(node.values[LATENCY_PREFIX + label])}
              {loss > 0 && ` · ${Math.round(loss)}%`}
            </dd>
          </div>
        );
      })}
    </dl>
  );
}
