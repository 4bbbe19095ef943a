/**
 * @module One node as a card: status, usage bars, network rates, traffic, load, uptime, notes. Its parts
 * are called, not mounted: one component a card, not eleven (a screenful of cards redraws every second).
 */
import type { NodeView } from '../../src/protocol/messages';
import type { MetricValues } from '../../src/protocol/metrics';
import { formatBytes, formatCelsius, formatDuration, formatLoad, formatPercent, formatRate, ratio, shortOs } from '../lib/format';
import { badgeText, forecastLine, soonForecasts } from '../state/forecast';
import { t } from '../state/lang';
import { Bar } from './bar';
import { Flag, Latency, Notes, StatusText, Traffic } from './node-status';

/** Network rates, load, uptime and, where the node has a sensor, its temperature. */
function CardFacts({ values: v }: { values: MetricValues }) {
  return (
    <dl class="facts">
      <div>
        <dt>{t('netIn')}</dt>
        <dd data-metric="netRxBytesPerSec">{formatRate(v.netRxBytesPerSec)}</dd>
      </div>
      <div>
        <dt>{t('netOut')}</dt>
        <dd data-metric="netTxBytesPerSec">{formatRate(v.netTxBytesPerSec)}</dd>
      </div>
      <div>
        <dt>{t('load')}</dt>
        <dd>{[v.load1, v.load5, v.load15].map(formatLoad).join(' ')}</dd>
      </div>
      <div>
        <dt>{t('uptime')}</dt>
        <dd data-metric="uptimeSec">{formatDuration(v.uptimeSec)}</dd>
      </div>
      {v.tempCelsius !== undefined && (
        <div>
          <dt>{t('temperature')}</dt>
          <dd data-metric="tempCelsius">{formatCelsius(v.tempCelsius)}</dd>
        </div>
      )}
    </dl>
  );
}

export function NodeCard({ node, compact = false }: { node: NodeView; compact?: boolean }) {
  const v = node.values;
  const swap = v.swapTotalBytes ? ratio(v.swapUsedBytes, v.swapTotalBytes) : undefined;
  // Only forecasts under 30 days reach the page: a badge says something is coming.
  const soon = soonForecasts.value[node.id];
  return (
    <article
      class={`card ${node.online ? 'online' : 'offline'}`}
      data-node={node.name}
      aria-label={`${node.name}, ${node.online ? t('online') : t('offline')}`}
    >
      <header class="card-head">
        {Flag({ code: node.location })}
        <h3 class="node-name">
          <a href={`#/node/${node.id}`} aria-label={t('details', { name: node.name })}>
            {node.name}
          </a>
        </h3>
        {StatusText({ node })}
      </header>
      {soon && (
        <p>
          <span class="tag warn" data-testid="forecast-badge" title={forecastLine(soon, Date.now())}>
            {badgeText(soon, Date.now())}
          </span>
        </p>
      )}
      <p class="os">
        {[shortOs(node.os), node.arch, node.cores ? t('cores', { n: node.cores }) : '', node.hostname].filter(Boolean).join(' · ') ||
          '\u00a0'}
      </p>
      {Bar({ label: t('cpu'), percent: v.cpu, detail: formatPercent(v.cpu) })}
      {Bar({
        label: t('memory'),
        percent: ratio(v.memUsedBytes, v.memTotalBytes),
        detail: `${formatBytes(v.memUsedBytes)} / ${formatBytes(v.memTotalBytes)}`,
      })}
      {!compact &&
        swap !== undefined &&
        Bar({ label: t('swap'), percent: swap, detail: `${formatBytes(v.swapUsedBytes)} / ${formatBytes(v.swapTotalBytes)}` })}
      {Bar({
        label: t('disk'),
        percent: ratio(v.diskUsedBytes, v.diskTotalBytes),
        detail: `${formatBytes(v.diskUsedBytes)} / ${formatBytes(v.diskTotalBytes)}`,
      })}
      {!compact &&
        v.gpuUtil !== undefined &&
        Bar({
          label: t('gpu'),
          percent: v.gpuUtil,
          detail: `${formatPercent(v.gpuUtil)} · ${formatBytes(v.gpuMemUsedBytes)} / ${formatBytes(v.gpuMemTotalBytes)}`,
        })}
      {CardFacts({ values: v })}
      {Latency({ node })}
      {!compact && Traffic({ node })}
      {!compact && Notes({ node })}
    </article>
  );
}
