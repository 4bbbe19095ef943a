/**
 * @module Network throughput from /proc/net/dev, summed over physical interfaces only:
 * loopback, bridges, veth pairs, tunnels and VPNs would count the same bytes twice.
 */
import { DEVICE_LABEL } from '../../protocol/metrics';
import { ByteCursor } from './byte-cursor';
import type { Collector } from './collector';
import { DeviceRates } from './device-rates';
import type { ProcFile } from './proc-file';

export interface InterfaceCounters {
  rxBytes: number;
  rxPackets: number;
  txBytes: number;
  txPackets: number;
}

/** Receive: bytes packets errs drop fifo frame compressed multicast; transmit: the same eight. */
const FIELDS = 16;
const COLON = 58;

/** Reads one interface line at `c` (counters into `n`) and moves to the next; its name, or null. */
function interfaceLine(c: ByteCursor, n: Float64Array): string | null {
  const colon = c.findOnLine(COLON);
  if (colon < 0) {
    c.nextLine();
    return null;
  }
  const name = c.word(COLON);
  c.pos = colon + 1;
  let ok = true;
  for (let i = 0; i < FIELDS && ok; i++) ok = Number.isFinite((n[i] = c.number()));
  c.nextLine();
  return ok ? name : null;
}

/** The cursor past the two header lines. */
function body(c: ByteCursor): ByteCursor {
  c.nextLine();
  c.nextLine();
  return c;
}

export function parseNetDev(text: string): Map<string, InterfaceCounters> {
  const out = new Map<string, InterfaceCounters>();
  const c = body(ByteCursor.of(text));
  const n = new Float64Array(FIELDS);
  while (!c.done) {
    const name = interfaceLine(c, n);
    if (name !== null) out.set(name, { rxBytes: n[0]!, rxPackets: n[1]!, txBytes: n[8]!, txPackets: n[9]! });
  }
  return out;
}

const VIRTUAL_PREFIXES = [
  'lo',
  'veth',
  'docker',
  'br-',
  'virbr',
  'vmbr',
  'vnet',
  'tun',
  'tap',
  'wg',
  'tailscale',
  'zt',
  'ifb',
  'dummy',
  'kube',
  'cali',
  'flannel',
  'cni',
  'lxc',
  'lxd',
  'podman',
  'cilium',
  'vxlan',
  'gre',
  'sit',
  'ip6tnl',
];

export function isPhysicalInterface(name: string): boolean {
  return !VIRTUAL_PREFIXES.some((prefix) => name === prefix || name.startsWith(prefix));
}

export function networkCollector(netDev: ProcFile): Collector {
  // In the order of the counters each interface's state keeps: rx bytes, tx bytes, rx packets, tx packets.
  // Per interface too, for the node page (a bond, or public and private interfaces apart): `netRxBytesPerSec.eth0`.
  const rates = new DeviceRates(
    ['netRxBytesPerSec', 'netTxBytesPerSec', 'netRxPacketsPerSec', 'netTxPacketsPerSec'],
    isPhysicalInterface,
    (name) => DEVICE_LABEL.test(name),
  );
  const n = new Float64Array(FIELDS);
  return {
    name: 'network',
    collect(out, monoMs) {
      const c = body(netDev.cursor());
      rates.begin();
      let rxTotal = 0;
      let txTotal = 0;
      while (!c.done) {
        const name = interfaceLine(c, n);
        if (name === null) continue;
        const d = rates.device(name);
        d.cur[0] = n[0]!;
        d.cur[1] = n[8]!;
        d.cur[2] = n[1]!;
        d.cur[3] = n[9]!;
        rates.done(d);
        if (!d.included) continue;
        rxTotal += n[0]!;
        txTotal += n[8]!;
      }
      out.netRxBytesTotal = rxTotal;
      out.netTxBytesTotal = txTotal;
      rates.finish(out, monoMs);
    },
  };
}
