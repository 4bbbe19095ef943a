/**
 * @module The metric vocabulary: one name per metric, used unchanged on the wire, in the
 * database, in the HTTP API and in the page. Units are in the name or in `unit`.
 */

export type MetricUnit = 'percent' | 'bytes' | 'bytesPerSec' | 'seconds' | 'count' | 'load';

export interface MetricDef {
  readonly unit: MetricUnit;
  readonly help: string;
}

export const METRICS = {
  cpu: { unit: 'percent', help: 'CPU busy time across all cores (100 = every core busy)' },
  memUsedBytes: { unit: 'bytes', help: 'Memory in use: total minus available' },
  memTotalBytes: { unit: 'bytes', help: 'Physical memory' },
  swapUsedBytes: { unit: 'bytes', help: 'Swap in use' },
  swapTotalBytes: { unit: 'bytes', help: 'Swap size' },
  diskUsedBytes: { unit: 'bytes', help: 'Used space summed over real filesystems' },
  diskTotalBytes: { unit: 'bytes', help: 'Size summed over real filesystems' },
  netRxBytesPerSec: { unit: 'bytesPerSec', help: 'Received on physical interfaces' },
  netTxBytesPerSec: { unit: 'bytesPerSec', help: 'Sent on physical interfaces' },
  load1: { unit: 'load', help: 'Load average over 1 minute' },
  load5: { unit: 'load', help: 'Load average over 5 minutes' },
  load15: { unit: 'load', help: 'Load average over 15 minutes' },
  uptimeSec: { unit: 'seconds', help: 'Time since boot' },
  processes: { unit: 'count', help: 'Processes running on the host' },
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
