/**
 * @module Routes WebSocket upgrades: /ws/agent to the agents' gateway, /ws/live (pages of this
 * server only, as guest or admin) to the live gateway, /ws/peer (in a cluster) to the feed
 * other servers follow; floods and everything else are refused.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Clock } from '../util/clock';
import type { AdminAuth } from './admin/auth';
import { refuseUpgrade } from './net/http-body';
import { AttemptLimiter } from './net/limits';
import type { LiveGateway } from './live/live-gateway';
import type { OwnHosts } from './net/own-hosts';
import type { PageAccess } from './admin/page-access';

/** WebSocket upgrades per client address: sustained rate and burst (many agents behind one NAT fit in the burst). */
const UPGRADES_PER_SEC = 5;
const UPGRADE_BURST = 60;

export interface UpgradeRoutes {
  agents: { handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, address: string): void };
  live: Pick<LiveGateway, 'handleUpgrade'>;
  hosts: Pick<OwnHosts, 'originAllowed'>;
  access: Pick<PageAccess, 'audience'>;
  auth: Pick<AdminAuth, 'sessionOf' | 'sessionValid'>;
  clientAddress(req: IncomingMessage): string;
  clock: Clock;
  /** /ws/peer, for servers following this one (null: not in a cluster, 404). */
  peerFeed?: { handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void } | null;
}

/**
 * Error listener of upgraded sockets, defined out here: a closure in the upgrade handler would keep
 * the handler's scope (the request with all its headers) alive as long as the connection.
 */
function destroySocket(this: Duplex): void {
  this.destroy();
}

/** A guest, or an admin whose feed lasts as long as the session; else 401, or 429 while the page password is being guessed. */
function upgradeLive(routes: UpgradeRoutes, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  if (!routes.hosts.originAllowed(req)) {
    refuseUpgrade(socket, 403, {
      code: 'PROBE_ERR_ORIGIN',
      message:
        'the live feed is only for pages of this server: set server.publicUrl or server.allowedHosts to the name the page is served at',
    });
    return;
  }
  routes.access.audience(req, routes.clientAddress(req)).then(
    async (audience) => {
      if (typeof audience === 'object' && audience) {
        refuseUpgrade(socket, 429, undefined, { 'Retry-After': audience.retryAfterSec });
        return;
      }
      // An admin's feed lasts as long as the session: sign-out, a new password or expiry close it.
      const session = audience === 'admin' ? await routes.auth.sessionOf(req.headers.cookie) : null;
      if (session) routes.live.handleUpgrade(req, socket, head, 'admin', () => routes.auth.sessionValid(session.tokenHash));
      else if (audience === 'guest') routes.live.handleUpgrade(req, socket, head, audience);
      else refuseUpgrade(socket, 401);
    },
    () => socket.destroy(),
  );
}

/** The server's 'upgrade' listener. */
export function upgradeRouter(routes: UpgradeRoutes): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  // WebSocket connection attempts per client address: a reconnecting agent or page needs a few; a flood is refused.
  const attempts = new AttemptLimiter(UPGRADES_PER_SEC, UPGRADE_BURST);
  return (req, socket, head) => {
    socket.on('error', destroySocket);
    if (!attempts.allow(routes.clientAddress(req), routes.clock.now())) {
      refuseUpgrade(socket, 429, undefined, { 'Retry-After': 10 });
      return;
    }
    const path = (req.url ?? '').split('?')[0];
    if (path === '/ws/agent') routes.agents.handleUpgrade(req, socket, head, routes.clientAddress(req));
    else if (path === '/ws/live') upgradeLive(routes, req, socket, head);
    else if (path === '/ws/peer' && routes.peerFeed) routes.peerFeed.handleUpgrade(req, socket, head);
    else refuseUpgrade(socket, 404);
  };
}
