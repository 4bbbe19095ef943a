/**
 * @module The metric vocabulary: one name per metric, used unchanged on the wire, in the
 * database, in the HTTP API and in the page. Units are in the name or in `unit`.
 */

import { splitAgentCheckMetric } from './checks';

export type MetricUnit = 'percent' | 'bytes' | 'bytesPerSec' | 'seconds' | 'count' | 'load' | 'ms' | 'celsius';

export interface MetricDef {
  readonly unit: MetricUnit;
  readonly help: string;
  /** Name in the Prometheus exposition (GET /metrics), in base units. */
  readonly prom: string;
}

export const METRICS = {
  cpu: { unit: 'percent', help: 'CPU busy time across all cores (100 = every core busy)', prom: 'probe_cpu_usage_percent' },
  cpuUser: { unit: 'percent', help: 'CPU time in user space (incl. nice)', prom: 'probe_cpu_user_percent' },
  cpuSystem: { unit: 'percent', help: 'CPU time in the kernel (incl. interrupts)', prom: 'probe_cpu_system_percent' },
  cpuIowait: { unit: 'percent', help: 'CPU time idle while waiting for I/O', prom: 'probe_cpu_iowait_percent' },
  cpuSteal: { unit: 'percent', help: 'CPU time taken by the hypervisor for other guests', prom: 'probe_cpu_steal_percent' },
  memUsedBytes: { unit: 'bytes', help: 'Memory in use: total minus available', prom: 'probe_memory_used_bytes' },
  memTotalBytes: { unit: 'bytes', help: 'Physical memory', prom: 'probe_memory_total_bytes' },
  memAvailableBytes: { unit: 'bytes', help: 'Memory available for new work without swapping', prom: 'probe_memory_available_bytes' },
  memBuffersCacheBytes: { unit: 'bytes', help: 'Buffers, page cache and reclaimable slab', prom: 'probe_memory_buffers_cache_bytes' },
  swapUsedBytes: { unit: 'bytes', help: 'Swap in use', prom: 'probe_swap_used_bytes' },
  swapTotalBytes: { unit: 'bytes', help: 'Swap size', prom: 'probe_swap_total_bytes' },
  diskUsedBytes: { unit: 'bytes', help: 'Used space summed over real filesystems', prom: 'probe_disk_used_bytes' },
  diskTotalBytes: { unit: 'bytes', help: 'Size summed over real filesystems', prom: 'probe_disk_total_bytes' },
  netRxBytesPerSec: { unit: 'bytesPerSec', help: 'Received on physical interfaces', prom: 'probe_network_receive_bytes_per_second' },
  netTxBytesPerSec: { unit: 'bytesPerSec', help: 'Sent on physical interfaces', prom: 'probe_network_transmit_bytes_per_second' },
  netRxPacketsPerSec: {
    unit: 'count',
    help: 'Packets per second received on physical interfaces',
    prom: 'probe_network_receive_packets_per_second',
  },
  netTxPacketsPerSec: {
    unit: 'count',
    help: 'Packets per second sent on physical interfaces',
    prom: 'probe_network_transmit_packets_per_second',
  },
  netRxBytesTotal: { unit: 'bytes', help: 'Received on physical interfaces since boot', prom: 'probe_network_receive_bytes_total' },
  netTxBytesTotal: { unit: 'bytes', help: 'Sent on physical interfaces since boot', prom: 'probe_network_transmit_bytes_total' },
  diskReadBytesPerSec: { unit: 'bytesPerSec', help: 'Read from whole physical disks', prom: 'probe_disk_read_bytes_per_second' },
  diskWriteBytesPerSec: { unit: 'bytesPerSec', help: 'Written to whole physical disks', prom: 'probe_disk_written_bytes_per_second' },
  diskReadOpsPerSec: { unit: 'count', help: 'Read operations per second on whole physical disks', prom: 'probe_disk_reads_per_second' },
  diskWriteOpsPerSec: { unit: 'count', help: 'Write operations per second on whole physical disks', prom: 'probe_disk_writes_per_second' },
  load1: { unit: 'load', help: 'Load average over 1 minute', prom: 'probe_load1' },
  load5: { unit: 'load', help: 'Load average over 5 minutes', prom: 'probe_load5' },
  load15: { unit: 'load', help: 'Load average over 15 minutes', prom: 'probe_load15' },
  uptimeSec: { unit: 'seconds', help: 'Time since boot', prom: 'probe_uptime_seconds' },
  processes: { unit: 'count', help: 'Processes running on the host', prom: 'probe_processes' },
  threads: { unit: 'count', help: 'Threads (kernel scheduling entities) on the host', prom: 'probe_threads' },
  tcpConnections: { unit: 'count', help: 'TCP sockets in use, IPv4 and IPv6', prom: 'probe_tcp_connections' },
  udpSockets: { unit: 'count', help: 'UDP sockets in use, IPv4 and IPv6', prom: 'probe_udp_sockets' },
  tempCelsius: { unit: 'celsius', help: 'Hottest temperature sensor', prom: 'probe_temperature_max_celsius' },
  gpuUtil: { unit: 'percent', help: 'GPU busy time, mean over GPUs (nvidia-smi)', prom: 'probe_gpu_usage_percent' },
  gpuMemUsedBytes: { unit: 'bytes', help: 'GPU memory in use, summed over GPUs', prom: 'probe_gpu_memory_used_bytes' },
  gpuMemTotalBytes: { unit: 'bytes', help: 'GPU memory, summed over GPUs', prom: 'probe_gpu_memory_total_bytes' },
  agentDroppedSamples: {
    unit: 'count',
    help: 'Samples the agent dropped unsent because its buffer was full (since its state dir was created)',
    prom: 'probe_agent_dropped_samples',
  },
} as const satisfies Record<string, MetricDef>;

export type MetricName = keyof typeof METRICS;

export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

/** Agent-defined metrics travel with this prefix, e.g. `custom.queue_depth`. */
export const CUSTOM_PREFIX = 'custom.';

const CUSTOM_NAME = /^custom\.[A-Za-z_][A-Za-z0-9_:.-]{0,63}$/;

/**
 * Latency probes travel per target label: `latency.<label>` is the TCP connect time of the last
 * probe in ms (absent when it failed), `loss.<label>` the share of the last 10 probes that failed.
 */
export const LATENCY_PREFIX = 'latency.';
export const LOSS_PREFIX = 'loss.';
export const PROBE_LABEL = /^[A-Za-z0-9_-]{1,32}$/;
const PROBE_NAME = /^(latency|loss)\.[A-Za-z0-9_-]{1,32}$/;

/**
 * Per-device metrics: `<family>.<device>`, e.g. `cpuCore.0`, `netRxBytesPerSec.eth0`,
 * `diskUsedBytes./home`, `temp.coretemp.package_id_0`, `gpuUtil.0`. `label` names the device in /metrics.
 */
export const FAMILIES = {
  cpuCore: { unit: 'percent', help: 'Busy time of one CPU core', prom: 'probe_cpu_core_usage_percent', label: 'core' },
  netRxBytesPerSec: {
    unit: 'bytesPerSec',
    help: 'Received on one physical interface',
    prom: 'probe_interface_receive_bytes_per_second',
    label: 'interface',
  },
  netTxBytesPerSec: {
    unit: 'bytesPerSec',
    help: 'Sent on one physical interface',
    prom: 'probe_interface_transmit_bytes_per_second',
    label: 'interface',
  },
  netRxPacketsPerSec: {
    unit: 'count',
    help: 'Packets per second received on one physical interface',
    prom: 'probe_interface_receive_packets_per_second',
    label: 'interface',
  },
  netTxPacketsPerSec: {
    unit: 'count',
    help: 'Packets per second sent on one physical interface',
    prom: 'probe_interface_transmit_packets_per_second',
    label: 'interface',
  },
  diskUsedBytes: { unit: 'bytes', help: 'Used space of one filesystem', prom: 'probe_filesystem_used_bytes', label: 'mountpoint' },
  diskTotalBytes: { unit: 'bytes', help: 'Size of one filesystem', prom: 'probe_filesystem_size_bytes', label: 'mountpoint' },
  temp: { unit: 'celsius', help: 'One temperature sensor', prom: 'probe_temperature_celsius', label: 'sensor' },
  gpuUtil: { unit: 'percent', help: 'Busy time of one GPU', prom: 'probe_gpu_device_usage_percent', label: 'gpu' },
  gpuMemUsedBytes: { unit: 'bytes', help: 'Memory in use on one GPU', prom: 'probe_gpu_device_memory_used_bytes', label: 'gpu' },
} as const satisfies Record<string, MetricDef & { label: string }>;

export type FamilyName = keyof typeof FAMILIES;

/** A device label: interface, mount point, core number, sensor or GPU index. */
export const DEVICE_LABEL = /^[A-Za-z0-9_./:-]{1,64}$/;

/** The family and device of a per-device metric name, or null. */
export function splitFamily(name: string): { family: FamilyName; device: string } | null {
  const dot = name.indexOf('.');
  if (dot <= 0) return null;
  const family = name.slice(0, dot);
  const device = name.slice(dot + 1);
  return Object.hasOwn(FAMILIES, family) && DEVICE_LABEL.test(device) ? { family: family as FamilyName, device } : null;
}

/**
 * The metrics /ws/live sends for every node: what the overview's cards and table show. A page
 * gets every other metric (per core, per device, the cpu split, custom ones) only for the node it
 * watches. At 10 000 nodes the rest were two thirds of what the live feed wrote each second.
 */
const OVERVIEW_METRICS: ReadonlySet<string> = new Set([
  'cpu',
  'memUsedBytes',
  'memTotalBytes',
  'swapUsedBytes',
  'swapTotalBytes',
  'diskUsedBytes',
  'diskTotalBytes',
  'netRxBytesPerSec',
  'netTxBytesPerSec',
  'load1',
  'load5',
  'load15',
  'uptimeSec',
  'tempCelsius',
  'gpuUtil',
  'gpuMemUsedBytes',
  'gpuMemTotalBytes',
]);

export function isOverviewMetric(name: string): boolean {
  return OVERVIEW_METRICS.has(name) || name.startsWith(LATENCY_PREFIX) || name.startsWith(LOSS_PREFIX);
}

export function isKnownMetric(name: string): boolean {
  return (
    Object.hasOwn(METRICS, name) ||
    CUSTOM_NAME.test(name) ||
    PROBE_NAME.test(name) ||
    splitFamily(name) !== null ||
    splitAgentCheckMetric(name) !== null
  );
}

/** The unit of any metric the protocol knows, including per-target probe and per-device metrics. */
export function unitOf(name: string): MetricUnit | undefined {
  if (name.startsWith(LATENCY_PREFIX)) return 'ms';
  if (name.startsWith(LOSS_PREFIX)) return 'percent';
  const own = (METRICS as Record<string, MetricDef>)[name];
  if (own) return own.unit;
  const split = splitFamily(name);
  return split ? FAMILIES[split.family].unit : undefined;
}

export type MetricValues = Record<string, number>;
