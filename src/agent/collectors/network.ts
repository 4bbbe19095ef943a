/**
 * @module Network throughput from /proc/net/dev, summed over physical interfaces only:
 * loopback, bridges, veth pairs, tunnels and VPNs would count the same bytes twice.
 */
import type { Collector } from './collector';
import { DEVICE_LABEL } from '../../protocol/metrics';
import { summedRates } from './collector';
import type { ProcFile } from './proc-file';

export interface InterfaceCounters {
  rxBytes: number;
  rxPackets: number;
  txBytes: number;
  txPackets: number;
}

export function parseNetDev(text: string): Map<string, InterfaceCounters> {
  const out = new Map<string, InterfaceCounters>();
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (f.length < 16 || f.some((v) => !Number.isFinite(v))) continue;
    out.set(name, { rxBytes: f[0]!, rxPackets: f[1]!, txBytes: f[8]!, txPackets: f[9]! });
  }
  return out;
}

const VIRTUAL_PREFIXES = [
  'lo', 'veth', 'docker', 'br-', 'virbr', 'vmbr', 'vnet', 'tun', 'tap', 'wg', 'tailscale', 'zt',
  'ifb', 'dummy', 'kube', 'cali', 'flannel', 'cni', 'lxc', 'lxd', 'podman', 'cilium', 'vxlan', 'gre', 'sit', 'ip6tnl',
];

export function isPhysicalInterface(name: string): boolean {
  return !VIRTUAL_PREFIXES.some((prefix) => name === prefix || name.startsWith(prefix));
}

export function networkCollector(netDev: ProcFile): Collector {
  const rates = summedRates<InterfaceCounters>(
    { netRxBytesPerSec: 'rxBytes', netTxBytesPerSec: 'txBytes', netRxPacketsPerSec: 'rxPackets', netTxPacketsPerSec: 'txPackets' },
    isPhysicalInterface,
  );
  return {
    name: 'network',
    collect(out, monoMs) {
      const cur = parseNetDev(netDev.read());
      let rxTotal = 0;
      let txTotal = 0;
      for (const [name, c] of cur) {
        if (!isPhysicalInterface(name)) continue;
        rxTotal += c.rxBytes;
        txTotal += c.txBytes;
      }
      out.netRxBytesTotal = rxTotal;
      out.netTxBytesTotal = txTotal;
      // Per interface too, for the node page (a bond, or public and private interfaces apart): `netRxBytesPerSec.eth0`.
      const totals = rates(cur, monoMs, (name, metric, rate) => {
        if (DEVICE_LABEL.test(name)) out[`${metric}.${name}`] = Math.round(rate);
      });
      Object.assign(out, totals);
    },
  };
}
