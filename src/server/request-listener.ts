/**
 * @module The server's request listener wired to its parts: the admin API and the page, API,
 * health and alert views, each given what it reads.
 */
import type { IncomingMessage, RequestListener } from 'node:http';
import type { AlertEngine } from '../alerts/engine';
import type { NodeWriter } from './fleet/nodes';
import type { Config } from '../config/schema';
import type { Store } from '../store/store';
import type { Clock } from '../util/clock';
import { VERSION } from '../version';
import { createAdminHandler } from './admin/admin-api';
import type { AlertSetup } from './admin/alert-setup';
import type { NodeNotesSetup } from './admin/node-notes';
import type { PageSetup } from './admin/page-setup';
import type { AgentGateway } from './agents/agent-gateway';
import { alertsView } from './http/alerts-view';
import type { Asset } from './http/assets';
import type { AdminAuth } from './admin/auth';
import { createRequestHandler } from './http/http';
import type { Hub } from './fleet/hub';
import type { Forecasts } from './fleet/forecasts';
import type { LiveGateway } from './live/live-gateway';
import type { NodeSync } from './fleet/node-sync';
import type { OwnHosts } from './net/own-hosts';
import type { PageAccess } from './admin/page-access';
import type { CheckService } from './checks/checks-service';
import type { StorageState } from './agents/store-watch';
import type { RemoteWrite } from './remote/remote-write';
import { HistorySource } from './remote/history-source';
import type { ClockHealth } from './server-clock';
import type { PeerFeed } from './peers/peer-feed';

export interface ListenerParts {
  config: Config;
  store: Store;
  /** Where node changes go in a cluster (store.postgres). */
  registry?: NodeWriter | null;
  hub: Hub;
  queue: { readonly length: number };
  alerts: Pick<AlertEngine, 'firing'>;
  setup: AlertSetup;
  notes: NodeNotesSetup;
  page: PageSetup;
  agents: Pick<AgentGateway, 'connectedCount' | 'budget'>;
  live: Pick<LiveGateway, 'viewerCount' | 'disconnectGuests' | 'recheck'>;
  storage: { readonly state: StorageState };
  sync: Pick<NodeSync, 'changed'>;
  auth: AdminAuth;
  access: PageAccess;
  hosts: OwnHosts;
  clientAddress(req: IncomingMessage): string;
  secure(req: IncomingMessage): boolean;
  /** server.publicUrl as an http(s) base without a trailing slash, or ''. */
  pageBase: string;
  clock: Clock;
  checks: Pick<CheckService, 'list' | 'history'>;
  forecasts?: Pick<Forecasts, 'of' | 'soon' | 'cached'>;
  /** The server's time against the system clock's steps (admins see it on /healthz). */
  serverClock?: { health(): ClockHealth };
  /** Remote write's figures (/metrics; admins on /healthz); null without targets. */
  remoteWrite?: Pick<RemoteWrite, 'status' | 'health'> | null;
  /** The live feed between servers (admins see its figures on /healthz); null without `cluster`. */
  peerFeed?: Pick<PeerFeed, 'figures'> | null;
}

/** The peer feed's figures as /healthz names them. */
function peerHealth(f: ReturnType<PeerFeed['figures']>): Record<string, number> {
  return { clusterPeers: f.peers, clusterPeersConnected: f.peersConnected, clusterFollowers: f.followers, nodesViaPeers: f.nodesViaPeers };
}

export function createRequestListener(parts: ListenerParts, assets: Map<string, Asset>): RequestListener {
  const { config, store, hub, alerts, agents, live, clock } = parts;
  const historyRead = config.history.read ? new HistorySource(config.history.read, store) : null;
  const admin = createAdminHandler({
    auth: parts.auth,
    store,
    hub,
    setup: parts.setup,
    notes: parts.notes,
    page: parts.page,
    registry: parts.registry,
    nodesChanged: () => void parts.sync.changed(),
    alerts: () => alertsView(alerts.firing(), (n) => store.alertEvents(n), hub, 'all', 'admin'),
    publicUrl: parts.pageBase,
    hosts: parts.hosts,
    secure: parts.secure,
    clientAddress: parts.clientAddress,
    access: parts.access,
    accessChanged: () => live.disconnectGuests(),
    signedOut: () => live.recheck(),
    metricNames: (id) => agents.budget.status(id),
    now: () => clock.now(),
    forecasts: (id) => parts.forecasts?.cached(id)?.items ?? null,
  });
  return createRequestHandler({
    admin,
    hub,
    store,
    retention: config.retention,
    assets,
    version: VERSION,
    alerts: (audience) => alertsView(alerts.firing(), (n) => store.alertEvents(n), hub, config.page.alerts, audience),
    access: parts.access,
    secure: parts.secure,
    hosts: parts.hosts,
    clientAddress: parts.clientAddress,
    checks: parts.checks,
    forecasts: parts.forecasts,
    remoteWrite: parts.remoteWrite,
    historyRead,
    storage: () => parts.storage.state,
    now: () => clock.now(),
    health: (audience) => {
      const { nodes, online } = hub.counts(audience);
      return {
        nodes,
        agentsConnected: audience === 'admin' ? agents.connectedCount : online,
        viewers: live.viewerCount,
        queued: parts.queue.length,
        ...(audience === 'admin' && parts.serverClock?.health()),
        ...(audience === 'admin' && parts.remoteWrite?.health()),
        ...(audience === 'admin' && historyRead?.health()),
        ...(audience === 'admin' && parts.peerFeed && peerHealth(parts.peerFeed.figures())),
      };
    },
  });
}
