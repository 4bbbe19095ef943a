/**
 * @module The metric vocabulary: one name per metric, used unchanged on the wire, in the
 * database, in the HTTP API and in the page. Units are in the name or in `unit`.
 */

export type MetricUnit = 'percent' | 'bytes' | 'bytesPerSec' | 'seconds' | 'count' | 'load';

export interface MetricDef {
  readonly unit: MetricUnit;
  readonly help: string;
  /** Name in the Prometheus exposition (GET /metrics), in base units. */
  readonly prom: string;
}

export const METRICS = {
  cpu: { unit: 'percent', help: 'CPU busy time across all cores (100 = every core busy)', prom: 'probe_cpu_usage_percent' },
  memUsedBytes: { unit: 'bytes', help: 'Memory in use: total minus available', prom: 'probe_memory_used_bytes' },
  memTotalBytes: { unit: 'bytes', help: 'Physical memory', prom: 'probe_memory_total_bytes' },
  swapUsedBytes: { unit: 'bytes', help: 'Swap in use', prom: 'probe_swap_used_bytes' },
  swapTotalBytes: { unit: 'bytes', help: 'Swap size', prom: 'probe_swap_total_bytes' },
  diskUsedBytes: { unit: 'bytes', help: 'Used space summed over real filesystems', prom: 'probe_disk_used_bytes' },
  diskTotalBytes: { unit: 'bytes', help: 'Size summed over real filesystems', prom: 'probe_disk_total_bytes' },
  netRxBytesPerSec: { unit: 'bytesPerSec', help: 'Received on physical interfaces', prom: 'probe_network_receive_bytes_per_second' },
  netTxBytesPerSec: { unit: 'bytesPerSec', help: 'Sent on physical interfaces', prom: 'probe_network_transmit_bytes_per_second' },
  load1: { unit: 'load', help: 'Load average over 1 minute', prom: 'probe_load1' },
  load5: { unit: 'load', help: 'Load average over 5 minutes', prom: 'probe_load5' },
  load15: { unit: 'load', help: 'Load average over 15 minutes', prom: 'probe_load15' },
  uptimeSec: { unit: 'seconds', help: 'Time since boot', prom: 'probe_uptime_seconds' },
  processes: { unit: 'count', help: 'Processes running on the host', prom: 'probe_processes' },
} as const satisfies Record<string, MetricDef>;

export type MetricName = keyof typeof METRICS;

export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

/** Agent-defined metrics travel with this prefix, e.g. `custom.queue_depth`. */
export const CUSTOM_PREFIX = 'custom.';

const CUSTOM_NAME = /^custom\.[A-Za-z_][A-Za-z0-9_:.-]{0,63}$/;

export function isKnownMetric(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(METRICS, name) || CUSTOM_NAME.test(name);
}

export type MetricValues = Record<string, number>;
