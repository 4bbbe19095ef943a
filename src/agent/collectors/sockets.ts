/**
 * @module TCP and UDP sockets in use, IPv4 and IPv6, from /proc/net/sockstat{,6}: two small reads,
 * where counting the lines of /proc/net/tcp would cost one line per connection.
 */
import { ByteCursor } from './byte-cursor';
import type { Collector } from './collector';
import type { ProcFile } from './proc-file';

const INUSE = Buffer.from(' inuse ', 'latin1');
const NEWLINE = 10;

/** The `inuse` count on the line at `c`, 0 if it has none. */
function inuse(c: ByteCursor): number {
  const at = c.buf.indexOf(INUSE, c.pos);
  const eol = c.buf.indexOf(NEWLINE, c.pos);
  if (at < 0 || at + INUSE.length > c.end || (eol >= 0 && eol < at)) return 0;
  c.pos = at + INUSE.length;
  return c.number() || 0;
}

/** Sockets in use from sockstat (`TCP:`, `UDP:`) or sockstat6 (`TCP6:`, `UDP6:`) at `c`; the first line of each counts. */
function sockstat(c: ByteCursor, into: { tcp: number; udp: number }): void {
  let tcp = false;
  let udp = false;
  into.tcp = 0;
  into.udp = 0;
  while (!c.done) {
    const start = c.pos;
    if (!tcp && (c.startsWith('TCP:') || c.startsWith('TCP6:'))) {
      tcp = true;
      into.tcp = inuse(c);
    } else if (!udp && (c.startsWith('UDP:') || c.startsWith('UDP6:'))) {
      udp = true;
      into.udp = inuse(c);
    }
    c.pos = start;
    c.nextLine();
  }
}

export function parseSockstat(text: string): { tcp: number; udp: number } {
  const out = { tcp: 0, udp: 0 };
  sockstat(ByteCursor.of(text), out);
  return out;
}

export function socketsCollector(sockstatFile: ProcFile, sockstat6: ProcFile | null): Collector {
  let v6: ProcFile | null = sockstat6;
  const four = { tcp: 0, udp: 0 };
  const six = { tcp: 0, udp: 0 };
  return {
    name: 'sockets',
    collect(out) {
      sockstat(sockstatFile.cursor(), four);
      six.tcp = 0;
      six.udp = 0;
      try {
        if (v6) sockstat(v6.cursor(), six);
      } catch {
        v6 = null; // No IPv6 on this host.
      }
      out.tcpConnections = four.tcp + six.tcp;
      out.udpSockets = four.udp + six.udp;
    },
  };
}
