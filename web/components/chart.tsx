/**
 * @module One uPlot time-series chart: units on the axis and in the hover legend, colours from the
 * theme, resized with its container, and optionally a forecast drawn as a dashed line into the
 * future. uPlot is recreated only when the series or theme change; new data goes through setData.
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

/** A straight dashed line from [ts, value] now to [ts, value] when full; the time axis reaches out to show it. */
export interface Projection {
  from: [number, number];
  to: [number, number];
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

/** The dashed forecast line, clipped to the plot area (a date past the axis runs off its edge). */
function drawProjection(u: uPlot, p: Projection): void {
  const { ctx, bbox } = u;
  const x = (ts: number) => u.valToPos(ts, 'x', true);
  const y = (v: number) => u.valToPos(v, 'y', true);
  ctx.save();
  ctx.beginPath();
  ctx.rect(bbox.left, bbox.top, bbox.width, bbox.height);
  ctx.clip();
  ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
  ctx.lineWidth = 1.5 * devicePixelRatio;
  ctx.strokeStyle = p.color;
  ctx.beginPath();
  ctx.moveTo(x(p.from[0]), y(p.from[1]));
  ctx.lineTo(x(p.to[0]), y(p.to[1]));
  ctx.stroke();
  ctx.restore();
}

/** Builds the uPlot instance and keeps its width in step with the container; `projection` is read at each draw. */
function create(
  UPlot: typeof uPlot,
  el: HTMLElement,
  unit: MetricUnit,
  series: readonly ChartSeries[],
  data: History,
  height: number,
  projection: () => Projection | null,
): { plot: uPlot; resize: ResizeObserver } {
  const text = css('--muted');
  const grid = css('--line');
  const format = FORMAT[unit];
  const axisFormat = AXIS[unit] ?? format;
  const opts: uPlot.Options = {
    width: Math.max(200, el.clientWidth),
    height,
    ms: 1,
    cursor: { drag: { x: false, y: false } },
    scales: {
      // With a forecast, time runs on past now: up to the date, at most as far again as the data spans.
      x: { range: (_u, min, max) => [min, Math.max(max, Math.min(projection()?.to[0] ?? max, max + (max - min)))] },
      y: { range: unit === 'percent' ? [0, 100] : (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
    },
    hooks: {
      draw: [
        (u) => {
          const p = projection();
          if (p) drawProjection(u, p);
        },
      ],
    },
    axes: [
      { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } },
      {
        stroke: text,
        grid: { stroke: grid, width: 1 },
        ticks: { stroke: grid, width: 1 },
        size: 84,
        values: (_u, ticks) => ticks.map(axisFormat),
      },
    ],
    series: [
      { value: '{YYYY}-{MM}-{DD} {HH}:{mm}:{ss}' },
      ...series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: 1.5,
        fill: `${s.color}1a`,
        spanGaps: false,
        value: (_u: uPlot, v: number | null) => (v === null ? '–' : format(v)),
      })),
    ],
  };
  const plot = new UPlot(opts, toAligned(data, series), el);
  const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(200, el.clientWidth), height }));
  resize.observe(el);
  return { plot, resize };
}

export function Chart({
  title,
  unit,
  series,
  data,
  height = HEIGHT,
  projection = null,
}: {
  title: string;
  unit: MetricUnit;
  series: readonly ChartSeries[];
  data: History;
  height?: number;
  projection?: Projection | null;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(data);
  latest.current = data;
  const shownProjection = useRef(projection);
  shownProjection.current = projection;
  const [failed, setFailed] = useState('');
  const themeName = shownTheme.value;
  const key = series.map((s) => s.metric).join();

  useEffect(() => {
    let cancelled = false;
    let resize: ResizeObserver | null = null;
    loadUplot().then(
      (UPlot) => {
        if (cancelled) return;
        ({ plot: plot.current, resize } = create(UPlot, box.current!, unit, series, latest.current, height, () => shownProjection.current));
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
  }, [data, projection?.to[0], projection?.to[1]]);

  return (
    <figure
      class="chart"
      data-chart={series.map((s) => s.metric).join(' ')}
      data-projection={projection ? String(projection.to[0]) : undefined}
    >
      <figcaption>{title}</figcaption>
      {failed && (
        <p class="empty" role="alert">
          {failed}
        </p>
      )}
      <div ref={box} class="chart-box" />
    </figure>
  );
}
