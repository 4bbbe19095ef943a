/**
 * @module Which names this server answers to as itself. With `server.publicUrl` unset, links that
 * carry a node key (/install.sh, /install.ps1, the admin's install commands) are built from the
 * request's Host, which any client can forge: only a name known to be ours is used (localhost,
 * this machine's name and addresses, loopback, `server.allowedHosts`, or one the signed-in admin's browser
 * reached us at). Also decides which pages' Origin may open the live feed.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import os from 'node:os';
import type { Store } from '../../store/store';
import { HttpError } from './http-body';
import { isLoopback } from './limits';

const ADMIN_HOSTS_KEY = 'server.adminHosts';
/** Names remembered from the admin's browser, newest last. */
const MAX_ADMIN_HOSTS = 20;

/** The name in a Host header (`name[:port]`, `[v6][:port]`), lowercased; null if it is not one. */
function hostName(header: string | undefined): string | null {
  if (!header || header.length > 255) return null;
  const v6 = /^\[([0-9A-Fa-f:.]+)\](?::\d{1,5})?$/.exec(header);
  if (v6) return isIP(v6[1]!) === 6 ? v6[1]!.toLowerCase() : null;
  const name = /^([A-Za-z0-9.-]+)(?::\d{1,5})?$/.exec(header);
  return name ? name[1]!.toLowerCase().replace(/\.$/, '') : null;
}

export class OwnHosts {
  private readonly allowed: Set<string>;
  private readonly publicBase: string;
  private readonly publicName: string | null;

  constructor(
    private readonly store: Store,
    allowedHosts: readonly string[],
    /** server.publicUrl as http(s), without a trailing slash; '' if unset. */
    publicBase: string,
    private readonly machine = os.hostname().toLowerCase(),
  ) {
    this.allowed = new Set(allowedHosts.map((h) => h.toLowerCase()));
    this.publicBase = publicBase;
    this.publicName = publicBase ? new URL(publicBase).hostname.replace(/^\[|\]$/g, '').toLowerCase() : null;
  }

  private adminHosts(): string[] {
    const text = this.store.getSetting(ADMIN_HOSTS_KEY);
    return text ? (JSON.parse(text) as string[]) : [];
  }

  /** Whether `name` (from hostName) is known to be this server. */
  private isOwn(name: string): boolean {
    if (name === 'localhost' || name === this.machine || name === this.publicName || this.allowed.has(name)) return true;
    if (isLoopback(name)) return true;
    if (isIP(name) !== 0) {
      for (const addresses of Object.values(os.networkInterfaces()))
        if (addresses?.some((a) => a.address.toLowerCase() === name)) return true;
    }
    return this.adminHosts().includes(name);
  }

  /**
   * http(s)://host[:port] of this server for links handed out in answer to `req`: publicUrl, or
   * the request's Host if it is ours. `fromAdmin`: the signed-in admin's request, whose Host is
   * believed (and remembered) when its Origin is that same host: a browser at that address.
   * Else 400 PROBE_ERR_CONFIG.
   */
  base(req: IncomingMessage, secure: boolean, fromAdmin = false): string {
    if (this.publicBase) return this.publicBase;
    const header = req.headers.host;
    const name = hostName(header);
    if (name && this.isOwn(name)) return `${secure ? 'https' : 'http'}://${header!}`;
    if (name && fromAdmin && this.sameHost(req)) {
      this.store.putSetting(ADMIN_HOSTS_KEY, JSON.stringify([...this.adminHosts(), name].slice(-MAX_ADMIN_HOSTS)));
      return `${secure ? 'https' : 'http'}://${header!}`;
    }
    throw new HttpError(
      400,
      'PROBE_ERR_CONFIG',
      `this server does not know "${header ?? ''}" as its own name, so it builds no install links for it (anyone can send any Host): ` +
        'set server.publicUrl (PROBE_PUBLIC_URL), add the name to server.allowedHosts, or open the admin at that address once',
    );
  }

  /** Whether the request's Origin is its own Host (what a browser sends from a page of ours). */
  private sameHost(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (!origin || !req.headers.host) return false;
    try {
      return new URL(origin).host === new URL(`http://${req.headers.host}`).host;
    } catch {
      return false;
    }
  }

  /**
   * Whether a page may open the live feed: no Origin (not a browser: it can only send credentials
   * of its own), or a page of this server (the same host as the request's, publicUrl's, or one in
   * server.allowedHosts). Another site's page would read the feed with its visitor's cookies.
   */
  originAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    if (this.sameHost(req)) return true;
    try {
      const name = new URL(origin).hostname.replace(/^\[|\]$/g, '').toLowerCase();
      return name === this.publicName || this.allowed.has(name);
    } catch {
      return false;
    }
  }
}
