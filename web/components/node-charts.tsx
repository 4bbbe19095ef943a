/**
 * @module The node page's charts: the fixed ones (cpu, memory, disk, …) that have data, then one
 * per device family, probe target and custom metric the node reports.
 */
import type { NodeView } from '../../src/protocol/messages';
import type { MetricUnit } from '../../src/protocol/metrics';
import { CUSTOM_PREFIX, LATENCY_PREFIX, LOSS_PREFIX } from '../../src/protocol/metrics';
import type { ForecastAnswer } from '../../src/protocol/forecast';
import type { StringKey } from '../lib/i18n';
import { t } from '../state/lang';
import type { History } from '../state/history';
import { nodeForecast } from '../state/forecast';
import type { ChartSeries, Projection } from './chart';
import { Chart } from './chart';
import { latencyTargets } from './node-status';

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

/** Every chart of `node` over `data`; dimmed while `busy` (a new range loading). */
export function NodeCharts({ node, data, busy }: { node: NodeView; data: History; busy: boolean }) {
  return (
    <div class={`charts${busy ? ' busy' : ''}`} aria-busy={busy}>
      {CHARTS.filter((def) => hasData(data, def)).map((def) => (
        <Chart
          key={def.title}
          title={t(def.title)}
          unit={def.unit}
          series={chartSeries(def).filter((s) => data.series[s.metric])}
          data={data}
          projection={def.title === 'disk' && nodeForecast.value?.nodeId === node.id ? diskProjection(nodeForecast.value, data) : null}
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
  );
}
