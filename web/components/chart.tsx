/**
 * @module One uPlot time-series chart: units on the axis and in the hover legend, colours from the
 * theme, resized with its container. uPlot is recreated only when the series or theme change;
 * new data goes through setData.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import type { MetricUnit } from '../../src/protocol/metrics';
import { loadUplot } from '../lib/load-uplot';
import { formatAxisBytes, formatBytes, formatCelsius, formatCount, formatLoad, formatMs, formatPercent, formatRate } from '../lib/format';
import type { History } from '../state/history';
import { shownTheme } from '../state/prefs';

export interface ChartSeries {
  metric: string;
  label: string;
  color: string;
}

const FORMAT: Record<MetricUnit, (v: number) => string> = {
  percent: formatPercent,
  bytes: formatBytes,
  bytesPerSec: formatRate,
  seconds: (v) => `${Math.round(v)} s`,
  count: formatCount,
  load: formatLoad,
  ms: formatMs,
  celsius: formatCelsius,
};

const AXIS: Partial<Record<MetricUnit, (v: number) => string>> = {
  bytes: formatAxisBytes,
  bytesPerSec: (v) => `${formatAxisBytes(v)}/s`,
  percent: (v) => `${v}%`,
};

const HEIGHT = 180;

function css(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function toAligned(data: History, series: readonly ChartSeries[]): uPlot.AlignedData {
  return [data.ts, ...series.map((s) => data.series[s.metric] ?? data.ts.map(() => null))];
}

/** Builds the uPlot instance and keeps its width in step with the container. */
function create(UPlot: typeof uPlot, el: HTMLElement, unit: MetricUnit, series: readonly ChartSeries[], data: History, height: number): { plot: uPlot; resize: ResizeObserver } {
  const text = css('--muted');
  const grid = css('--line');
  const format = FORMAT[unit];
  const axisFormat = AXIS[unit] ?? format;
  const opts: uPlot.Options = {
    width: Math.max(200, el.clientWidth),
    height,
    ms: 1,
    cursor: { drag: { x: false, y: false } },
    scales: { y: { range: unit === 'percent' ? [0, 100] : (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    axes: [
      { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } },
      { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, size: 84, values: (_u, ticks) => ticks.map(axisFormat) },
    ],
    series: [
      { value: '{YYYY}-{MM}-{DD} {HH}:{mm}:{ss}' },
      ...series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, fill: `${s.color}1a`, spanGaps: false, value: (_u: uPlot, v: number | null) => (v === null ? '–' : format(v)) })),
    ],
  };
  const plot = new UPlot(opts, toAligned(data, series), el);
  const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(200, el.clientWidth), height }));
  resize.observe(el);
  return { plot, resize };
}

export function Chart({ title, unit, series, data, height = HEIGHT }: { title: string; unit: MetricUnit; series: readonly ChartSeries[]; data: History; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(data);
  latest.current = data;
  const [failed, setFailed] = useState('');
  const themeName = shownTheme.value;
  const key = series.map((s) => s.metric).join();

  useEffect(() => {
    let cancelled = false;
    let resize: ResizeObserver | null = null;
    loadUplot().then(
      (UPlot) => {
        if (cancelled) return;
        ({ plot: plot.current, resize } = create(UPlot, box.current!, unit, series, latest.current, height));
      },
      (err: Error) => setFailed(err.message),
    );
    return () => {
      cancelled = true;
      resize?.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // Data changes go through setData below; only a new shape or theme rebuilds the chart.
  }, [key, unit, themeName, height]);

  useEffect(() => {
    plot.current?.setData(toAligned(data, series));
  }, [data]);

  return (
    <figure class="chart" data-chart={series.map((s) => s.metric).join(' ')}>
      <figcaption>{title}</figcaption>
      {failed && <p class="empty" role="alert">{failed}</p>}
      <div ref={box} class="chart-box" />
    </figure>
  );
}
