/**
 * @module The Prometheus name, extra labels and unit factor of a stored metric: one mapping for
 * GET /metrics (prometheus.ts) and remote write (server/remote/), so both carry the same series.
 */
import { CUSTOM_PREFIX, FAMILIES, LATENCY_PREFIX, LOSS_PREFIX, METRICS, splitFamily } from '../../protocol/metrics';

export interface PromSeries {
  name: string;
  /** Labels besides node, group and location: a probe target, a device, a custom metric's own name. */
  labels: [string, string][];
  /** What the stored value is divided by for base units (latency ms -> s, loss % -> ratio). */
  divisor: number;
}

/** A label value as the Prometheus text format writes it: backslash, double quote and line feed escaped. */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Name, extra labels and factor of a metric; null for names /metrics does not show. */
export function promSeries(metric: string): PromSeries | null {
  const known = (METRICS as Record<string, { prom: string }>)[metric];
  if (known) return { name: known.prom, labels: [], divisor: 1 };
  const device = splitFamily(metric);
  if (device) {
    const family = FAMILIES[device.family];
    return { name: family.prom, labels: [[family.label, device.device]], divisor: 1 };
  }
  if (metric.startsWith(LATENCY_PREFIX))
    return { name: 'probe_latency_seconds', labels: [['target', metric.slice(LATENCY_PREFIX.length)]], divisor: 1000 };
  if (metric.startsWith(LOSS_PREFIX))
    return { name: 'probe_loss_ratio', labels: [['target', metric.slice(LOSS_PREFIX.length)]], divisor: 100 };
  // Custom names that differ only in characters Prometheus has no room for (`jobs.mail`, `jobs_mail`, `jobs-mail`)
  // share a metric name; the name on the agent, as a label, keeps their series apart.
  if (metric.startsWith(CUSTOM_PREFIX))
    return {
      name: `probe_custom_${metric.slice(CUSTOM_PREFIX.length).replace(/[^a-zA-Z0-9_]/g, '_')}`,
      labels: [['metric', metric]],
      divisor: 1,
    };
  return null;
}
