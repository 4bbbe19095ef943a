/**
 * @module Network traffic where there is no /proc, from systeminformation's byte counters (`netstat`
 * on macOS and the BSDs, PowerShell on Windows) read in the background: the metrics network.ts reports.
 */
import { DEVICE_LABEL } from '../../protocol/metrics';
import type { MetricValues } from '../../protocol/metrics';
import { backgroundCollector, backgroundReading } from './background';
import type { BackgroundCollector } from './background';
import { summedRates } from './collector';
import { isPhysicalInterface } from './network';

/** An interface as networkInterfaces lists it: `ifaceName` is Windows' adapter description. */
export interface InterfaceInfo {
  iface: string;
  ifaceName: string;
  internal: boolean;
}

/** One interface's counters as networkStats gives them. */
export interface InterfaceStats {
  iface: string;
  rx_bytes: number;
  tx_bytes: number;
}

/**
 * Counters are read every 5 s, not every second: each read spawns processes (`ifconfig` and
 * `netstat` per interface on macOS, a PowerShell per interface on Windows, where starting one
 * takes a few hundred ms of CPU), and traffic totals stay exact; only the rates are 5 s averages.
 */
export const NETWORK_PERIOD_MS = 5_000;
/** Three missed reads: older rates are no longer shown. */
const NETWORK_STALE_MS = 3 * NETWORK_PERIOD_MS;

/**
 * Virtual interfaces by the names macOS (VPN `utun`, AirDrop `awdl`, Thunderbolt `bridge` …) and
 * Windows (names or adapter descriptions) give them, beyond network.ts's Linux ones.
 * systeminformation's own `virtual` flag goes by MAC vendor and would drop a VM guest's only NIC.
 */
const VIRTUAL = new RegExp(
  '^(utun|awdl|llw|bridge|gif|stf|anpi|ap\\d|p2p|vmenet|vmnet|ipsec|pktap)|loopback|pseudo-interface|vethernet|virtual ethernet|' +
    'host-only|bluetooth|npcap|tap-windows|wireguard|tailscale|zerotier|teredo|isatap',
  'i',
);

export function isPortablePhysical(i: InterfaceInfo): boolean {
  return !i.internal && isPhysicalInterface(i.iface) && !VIRTUAL.test(i.iface) && !VIRTUAL.test(i.ifaceName);
}

/**
 * The per-interface metric label. Windows names connections `Ethernet 2` or `Local Area Connection`,
 * so characters a label cannot hold become `_` (network.ts, on Linux, skips such names).
 */
export function interfaceLabel(name: string): string | null {
  const label = name.replace(/[^A-Za-z0-9_./:-]/g, '_');
  return DEVICE_LABEL.test(label) ? label : null;
}

interface ByteCounters {
  rxBytes: number;
  txBytes: number;
}

/**
 * Metrics from successive counter readings, rates between the times they completed at.
 * networkStats gives 0/0 for an interface it could not read: such an interface keeps its last
 * counters in the totals (a dip would count as a counter reset upstream) and has no rate until it
 * reads again. When no interface that had counted bytes could be read, the reading fails.
 */
export function interfaceMetrics(): (stats: readonly InterfaceStats[], monoMs: number) => MetricValues {
  const rates = summedRates<ByteCounters>({ netRxBytesPerSec: 'rxBytes', netTxBytesPerSec: 'txBytes' }, () => true);
  let last = new Map<string, ByteCounters>();
  return (stats, monoMs) => {
    const fresh = new Map<string, ByteCounters>();
    const carried = new Map<string, ByteCounters>();
    for (const s of stats) {
      if (s.rx_bytes > 0 || s.tx_bytes > 0) fresh.set(s.iface, { rxBytes: s.rx_bytes || 0, txBytes: s.tx_bytes || 0 });
      else if (last.has(s.iface)) carried.set(s.iface, last.get(s.iface)!);
    }
    if (fresh.size === 0 && carried.size > 0) throw new Error(`no counters read for ${[...carried.keys()].join(', ')}`);
    last = new Map([...carried, ...fresh]);
    const out: MetricValues = { netRxBytesTotal: 0, netTxBytesTotal: 0 };
    for (const c of last.values()) {
      out.netRxBytesTotal! += c.rxBytes;
      out.netTxBytesTotal! += c.txBytes;
    }
    const totals = rates(fresh, monoMs, (name, metric, rate) => {
      const label = interfaceLabel(name);
      // Two names made into one label (`Ethernet 2`, `Ethernet_2`): the first keeps it.
      if (label !== null && !(`${metric}.${label}` in out)) out[`${metric}.${label}`] = Math.round(rate);
    });
    return Object.assign(out, totals);
  };
}

export interface NetworkSources {
  networkInterfaces(): Promise<readonly InterfaceInfo[]>;
  networkStats(ifaces: string): Promise<readonly InterfaceStats[]>;
}

/** `now`: the monotonic clock in ms that times the reads and the rates (collect's own clock is not used). */
export function portableNetworkCollector(sources: NetworkSources, now: () => number): BackgroundCollector {
  const toMetrics = interfaceMetrics();
  const read = async () => {
    const names = (await sources.networkInterfaces()).filter(isPortablePhysical).map((i) => i.iface);
    const stats = names.length > 0 ? await sources.networkStats(names.join(',')) : [];
    return toMetrics(stats, now());
  };
  return backgroundCollector(
    'network',
    backgroundReading(read, { name: 'networkStats', periodMs: NETWORK_PERIOD_MS, staleMs: NETWORK_STALE_MS, now }),
  );
}
