/**
 * @module The node page (`#/node/<id>`): current facts, then charts of its history over a chosen
 * range; the 1h view keeps moving with the live feed.
 */
import { useEffect } from 'preact/hooks';
import type { NodeView } from '../../src/protocol/messages';
import type { MetricUnit } from '../../src/protocol/metrics';
import { formatBytes, formatDuration, shortOs } from '../lib/format';
import type { StringKey } from '../lib/i18n';
import { t } from '../state/lang';
import type { History } from '../state/history';
import { RANGES, appendLive, history, loadHistory, range } from '../state/history';
import { link, nodes } from '../state/nodes';
import type { ForecastAnswer } from '../../src/protocol/forecast';
import { forecastLine, loadForecast, nodeForecast } from '../state/forecast';
import type { ChartSeries, Projection } from './chart';
import { Chart } from './chart';
import { CUSTOM_PREFIX, LATENCY_PREFIX, LOSS_PREFIX } from '../../src/protocol/metrics';
import { ClockTag, Flag, Notes, StatusText, Traffic, latencyTargets } from './node-status';
import { access } from '../state/access';
import { clockOffsets, loadClockOffsets } from '../state/node-clock';

const BLUE = '#2f7ee6';
const GREEN = '#1f9d55';
const ORANGE = '#e07b00';
const PURPLE = '#8b5cf6';
const PALETTE = [BLUE, GREEN, ORANGE, PURPLE, '#d946ef', '#0ea5e9', '#84cc16', '#ef4444'];

interface ChartDef {
  title: StringKey;
  unit: MetricUnit;
  series: [string, StringKey, string][];
}

const CHARTS: ChartDef[] = [
  {
    title: 'cpu',
    unit: 'percent',
    series: [
      ['cpu', 'cpu', BLUE],
      ['cpuIowait', 'diskIo', ORANGE],
      ['cpuSteal', 'cpu', PURPLE],
    ],
  },
  {
    title: 'memory',
    unit: 'bytes',
    series: [
      ['memUsedBytes', 'memory', BLUE],
      ['swapUsedBytes', 'swap', ORANGE],
    ],
  },
  {
    title: 'disk',
    unit: 'bytes',
    series: [
      ['diskUsedBytes', 'used', BLUE],
      ['diskTotalBytes', 'total', GREEN],
    ],
  },
  {
    title: 'diskIo',
    unit: 'bytesPerSec',
    series: [
      ['diskReadBytesPerSec', 'read', GREEN],
      ['diskWriteBytesPerSec', 'write', ORANGE],
    ],
  },
  {
    title: 'network',
    unit: 'bytesPerSec',
    series: [
      ['netRxBytesPerSec', 'netIn', GREEN],
      ['netTxBytesPerSec', 'netOut', BLUE],
    ],
  },
  {
    title: 'load',
    unit: 'load',
    series: [
      ['load1', 'load1', BLUE],
      ['load5', 'load5', GREEN],
      ['load15', 'load15', ORANGE],
    ],
  },
  {
    title: 'connections',
    unit: 'count',
    series: [
      ['tcpConnections', 'tcp', BLUE],
      ['udpSockets', 'udp', GREEN],
    ],
  },
];

/** Labels that differ per series where the chart's own label would repeat. */
const SERIES_LABEL: Record<string, string> = { cpuIowait: 'iowait', cpuSteal: 'steal' };

function chartSeries(def: ChartDef): ChartSeries[] {
  return def.series.map(([metric, label, color]) => ({ metric, label: SERIES_LABEL[metric] ?? t(label), color }));
}

/** Latency and loss charts, one series per probe target the node reports. */
function probeCharts(labels: string[]): { title: string; unit: MetricUnit; series: ChartSeries[] }[] {
  if (labels.length === 0) return [];
  const series = (prefix: string) => labels.map((label, i) => ({ metric: prefix + label, label, color: PALETTE[i % PALETTE.length]! }));
  return [
    { title: t('latency'), unit: 'ms', series: series(LATENCY_PREFIX) },
    { title: `${t('latency')}: loss`, unit: 'percent', series: series(LOSS_PREFIX) },
  ];
}

/** One chart per device family the node reports: cores, interfaces, filesystems, sensors, GPUs. */
const FAMILY_CHARTS: { family: string; title: StringKey; unit: MetricUnit }[] = [
  { family: 'cpuCore.', title: 'cpuCores', unit: 'percent' },
  { family: 'netRxBytesPerSec.', title: 'interfacesIn', unit: 'bytesPerSec' },
  { family: 'netTxBytesPerSec.', title: 'interfacesOut', unit: 'bytesPerSec' },
  { family: 'diskUsedBytes.', title: 'filesystems', unit: 'bytes' },
  { family: 'temp.', title: 'temperatures', unit: 'celsius' },
  { family: 'gpuUtil.', title: 'gpu', unit: 'percent' },
  { family: 'gpuMemUsedBytes.', title: 'gpuMemory', unit: 'bytes' },
];

function familyCharts(node: NodeView): { title: string; unit: MetricUnit; series: ChartSeries[] }[] {
  const names = Object.keys(node.values);
  return FAMILY_CHARTS.flatMap(({ family, title, unit }) => {
    const members = names
      .filter((n) => n.startsWith(family))
      .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
      .slice(0, 16);
    // One core, interface or filesystem says no more than the totals above.
    if (members.length < (family === 'temp.' || family.startsWith('gpu') ? 1 : 2)) return [];
    return [
      {
        title: t(title),
        unit,
        series: members.map((metric, i) => ({ metric, label: metric.slice(family.length), color: PALETTE[i % PALETTE.length]! })),
      },
    ];
  });
}

/** One chart per custom metric the node reports (at most 24), named after the metric. */
function customCharts(node: NodeView): { title: string; series: ChartSeries[] }[] {
  return Object.keys(node.values)
    .filter((name) => name.startsWith(CUSTOM_PREFIX))
    .sort()
    .slice(0, 24)
    .map((metric, i) => ({
      title: metric.slice(CUSTOM_PREFIX.length),
      series: [{ metric, label: metric.slice(CUSTOM_PREFIX.length), color: PALETTE[i % PALETTE.length]! }],
    }));
}

function hasData(data: History, def: ChartDef): boolean {
  return def.series.some(([metric]) => data.series[metric]?.some((v) => v !== null));
}

/** Every filesystem's and the quota's forecast, memory's and swap's only when they have a date. */
function Forecasts({ answer }: { answer: ForecastAnswer }) {
  const now = Date.now();
  const shown = answer.items.filter((i) => i.metric === 'disk' || i.metric === 'traffic' || i.fullAt !== null);
  if (shown.length === 0) return null;
  return (
    <p class="forecast" data-testid="forecast">
      {t('forecast')}:{' '}
      {shown.map((item, i) => (
        <span key={`${item.metric}${item.mount ?? ''}`} title={item.reason}>
          {i > 0 && ' · '}
          {forecastLine(item, now)}
        </span>
      ))}
    </p>
  );
}

/**
 * The disk chart's dashed line: from the summed used space now to where it stands when the
 * soonest filesystem is full (its free space added; the others taken as they are).
 */
function diskProjection(answer: ForecastAnswer | null, data: History): Projection | null {
  let first = null;
  for (const i of answer?.items ?? []) if (i.metric === 'disk' && i.fullAt !== null && (!first || i.fullAt < first.fullAt!)) first = i;
  const used = data.series.diskUsedBytes;
  if (!first || !used) return null;
  for (let k = used.length - 1; k >= 0; k--) {
    const v = used[k];
    if (v !== null && v !== undefined)
      return { from: [data.ts[k]!, v], to: [first.fullAt!, v + Math.max(0, first.capacityBytes - first.usedBytes)], color: ORANGE };
  }
  return null;
}

function Facts({ node }: { node: NodeView }) {
  const v = node.values;
  return (
    <div class="detail-facts">
      <p class="os">
        {[
          shortOs(node.os),
          node.arch,
          node.cores ? t('cores', { n: node.cores }) : '',
          node.hostname,
          v.memTotalBytes ? `${formatBytes(v.memTotalBytes)} RAM` : '',
          v.diskTotalBytes ? `${formatBytes(v.diskTotalBytes)} ${t('disk')}` : '',
        ]
          .filter(Boolean)
          .join(' · ')}
      </p>
      <p>
        {t('uptime')}: {formatDuration(v.uptimeSec)}
      </p>
      <Traffic node={node} />
      <Notes node={node} />
      {nodeForecast.value?.nodeId === node.id && <Forecasts answer={nodeForecast.value} />}
    </div>
  );
}

export function NodeDetail({ id }: { id: number }) {
  const node = nodes.value.get(id);
  const which = range.value;

  useEffect(() => {
    void loadHistory(id, which);
  }, [id, which]);
  useEffect(() => {
    void loadForecast(id);
  }, [id]);
  const admin = access.value?.admin === true;
  useEffect(() => {
    if (admin) void loadClockOffsets();
  }, [id, admin]);

  // Live samples move the 1h charts along.
  const lastSeen = node?.lastSeen;
  useEffect(() => {
    const state = history.peek();
    if (which !== '1h' || !node || state.status !== 'ready') return;
    const next = appendLive(state.data, node);
    if (next) history.value = { status: 'ready', data: next };
  }, [lastSeen]);

  if (!node) {
    return <main id="main">{link.value === 'live' ? <p class="empty">{t('notFound')}</p> : <p class="empty">{t('loading')}</p>}</main>;
  }
  const state = history.value;
  const data = state.status === 'ready' ? state.data : state.status === 'loading' ? state.previous : null;
  const busy = state.status === 'loading';
  return (
    <main id="main" class="detail">
      <nav>
        <a href="#/" class="back">
          ← {t('back')}
        </a>
      </nav>
      <header class="detail-head">
        <Flag code={node.location} />
        <h2 class="node-name">{node.name}</h2>
        {node.group && <span class="tag">{node.group}</span>}
        <StatusText node={node} />
        {admin && <ClockTag offsetMs={clockOffsets.value.get(id)} testId="clock-off" />}
      </header>
      <Facts node={node} />
      {/* biome-ignore lint/a11y/useSemanticElements: a row of toggle buttons, not a form's fieldset */}
      <div class="segmented ranges" role="group" aria-label={t('range')}>
        {RANGES.map((r) => (
          <button key={r} type="button" aria-pressed={r === which} onClick={() => (range.value = r)}>
            {r}
          </button>
        ))}
      </div>
      {state.status === 'loading' && !state.previous && <p class="empty">{t('loading')}</p>}
      {state.status === 'error' && (
        <p class="empty" role="alert">
          {t('loadFailed', { msg: state.message })}
        </p>
      )}
      {data && (
        <div class={`charts${busy ? ' busy' : ''}`} aria-busy={busy}>
          {CHARTS.filter((def) => hasData(data, def)).map((def) => (
            <Chart
              key={def.title}
              title={t(def.title)}
              unit={def.unit}
              series={chartSeries(def).filter((s) => data.series[s.metric])}
              data={data}
              projection={def.title === 'disk' && nodeForecast.value?.nodeId === id ? diskProjection(nodeForecast.value, data) : null}
            />
          ))}
          {familyCharts(node).map((c) => (
            <Chart key={c.title} title={c.title} unit={c.unit} series={c.series} data={data} />
          ))}
          {probeCharts(latencyTargets(node)).map((c) => (
            <Chart key={c.title} title={c.title} unit={c.unit} series={c.series} data={data} />
          ))}
          {customCharts(node).map((c) => (
            <Chart key={c.title} title={c.title} unit="count" series={c.series} data={data} />
          ))}
          {!CHARTS.some((def) => hasData(data, def)) && <p class="empty">{t('noData')}</p>}
        </div>
      )}
    </main>
  );
}
