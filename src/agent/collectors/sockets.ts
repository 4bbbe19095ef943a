/**
 * @module TCP and UDP sockets in use, IPv4 and IPv6, from /proc/net/sockstat{,6}: two small reads,
 * where counting the lines of /proc/net/tcp would cost one line per connection.
 */
import type { Collector } from './collector';
import type { ProcFile } from './proc-file';

export function parseSockstat(text: string): { tcp: number; udp: number } {
  const inuse = (proto: string) => Number(new RegExp(`^${proto}:.*?\\binuse (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { tcp: inuse('TCP6?'), udp: inuse('UDP6?') };
}

export function socketsCollector(sockstat: ProcFile, sockstat6: ProcFile | null): Collector {
  let v6: ProcFile | null = sockstat6;
  return {
    name: 'sockets',
    collect(out) {
      const four = parseSockstat(sockstat.read());
      let six = { tcp: 0, udp: 0 };
      try {
        if (v6) six = parseSockstat(v6.read());
      } catch {
        v6 = null; // No IPv6 on this host.
      }
      out.tcpConnections = four.tcp + six.tcp;
      out.udpSockets = four.udp + six.udp;
    },
  };
}
