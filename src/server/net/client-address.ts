/**
 * @module Who a request comes from: the socket's address, or with `--trust-proxy` the address a
 * trusted proxy names in X-Forwarded-For. Only proxies listed in `server.trustedProxies` (loopback
 * by default) are believed; anyone else's X-Forwarded-For and X-Forwarded-Proto are ignored.
 */
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { ProbeError } from '../../util/errors';

/** `address` or `address/prefix`, IPv4 or IPv6; throws PROBE_ERR_CONFIG naming what is wrong. */
function addTo(list: BlockList, entry: string): void {
  const [address = '', prefix, extra] = entry.trim().split('/');
  const family = isIP(address);
  const bits = family === 4 ? 32 : 128;
  if (family === 0 || extra !== undefined || (prefix !== undefined && !(/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits))) {
    throw new ProbeError(
      'PROBE_ERR_CONFIG',
      `"server.trustedProxies": "${entry}" is not an IP address or CIDR range such as 10.0.0.0/8 or fd00::/8`,
    );
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (prefix === undefined) list.addAddress(address, type);
  else list.addSubnet(address, Number(prefix), type);
}

/** Checks a list of proxies (for the config loader); returns it unchanged. */
export function parseTrustedProxies(entries: readonly string[]): string[] {
  const list = new BlockList();
  for (const entry of entries) addTo(list, entry);
  return entries.map((e) => e.trim());
}

/** An X-Forwarded-For entry as an address: brackets and a port taken off ("[::1]:80", "1.2.3.4:80"). */
function bare(entry: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(entry);
  if (bracketed) return bracketed[1]!;
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(entry);
  return v4 ? v4[1]! : entry;
}

export class ClientAddresses {
  private readonly trusted = new BlockList();

  constructor(
    private readonly trustProxy: boolean,
    proxies: readonly string[],
  ) {
    for (const entry of proxies) addTo(this.trusted, entry);
  }

  private isTrusted(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && this.trusted.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }

  /** Whether the request came straight from a proxy we believe. */
  private viaProxy(req: IncomingMessage): boolean {
    return this.trustProxy && this.isTrusted(req.socket.remoteAddress ?? '');
  }

  /**
   * The client's address. Through a trusted proxy: the right-most X-Forwarded-For entry that is
   * not itself a trusted proxy (entries further left were written by the client and prove nothing).
   */
  of(req: IncomingMessage): string {
    const direct = req.socket.remoteAddress ?? '';
    if (!this.viaProxy(req)) return direct;
    const forwarded = String(req.headers['x-forwarded-for'] ?? '')
      .split(',')
      .map((s) => bare(s.trim()))
      .filter(Boolean);
    for (let i = forwarded.length - 1; i >= 0; i--) if (!this.isTrusted(forwarded[i]!)) return forwarded[i]!;
    return forwarded[0] ?? direct;
  }

  /** Whether the client reached us over HTTPS: our own TLS, or a trusted proxy saying so. */
  secure(req: IncomingMessage, tls: boolean): boolean {
    return tls || (this.viaProxy(req) && req.headers['x-forwarded-proto'] === 'https');
  }
}
