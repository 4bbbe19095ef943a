/**
 * @module The parts of `probe server`, built from the config before anything listens: store, hub,
 * gateways, alerts, checks and what the web side reads. run-server.ts connects and starts them.
 */
import type { IncomingMessage } from 'node:http';
import { AlertEngine } from '../alerts/engine';
import type { Config } from '../config/schema';
import { Notifier } from '../notify/notifier';
import { openSqliteStore } from '../store/sqlite-store';
import type { Store, StoredSample } from '../store/store';
import { systemClock } from '../util/clock';
import { VERSION } from '../version';
import { PRESENCE_EVERY_MS } from './cluster';
import type { ClusterLink } from './cluster';
import { adminSilences } from './admin/admin-api';
import { AlertSetup } from './admin/alert-setup';
import { AdminAuth } from './admin/auth';
import { NodeNotesSetup } from './admin/node-notes';
import { PageAccess } from './admin/page-access';
import { PageSetup } from './admin/page-setup';
import { AgentGateway } from './agents/agent-gateway';
import { HANDOVER_MS, PeerFeed } from './peers/peer-feed';
import { IngestQueue } from './agents/ingest-queue';
import { MetricBudget } from './agents/metric-budget';
import { StoreWatch } from './agents/store-watch';
import { serverChecks } from './checks/checks-service';
import { restoreClockOffsets } from './fleet/clock-offsets';
import { Forecasts } from './fleet/forecasts';
import { Hub } from './fleet/hub';
import { NodeSync } from './fleet/node-sync';
import { loadAssets, putIndex } from './http/assets';
import type { Asset } from './http/assets';
import { LiveGateway } from './live/live-gateway';
import { ClientAddresses } from './net/client-address';
import { OwnHosts } from './net/own-hosts';
import { startRemoteWrite } from './remote/remote-write-thread';
import { startServerClock } from './server-clock';

export interface ServerOptions {
  webDir?: string;
  /** How often an agent is sent an ack at most, instead of `server.ackInterval` (tests shorten it below 1 s). */
  ackIntervalMs?: number | 'auto';
  /** Agents acked once per interval under 'auto' (tests lower it). */
  autoAckMaxAgents?: number;
  /** See AgentGatewayOptions.helloGraceMs. */
  helloGraceMs?: number;
  /** Samples waiting for the database past which agents are refused (tests shrink it). */
  maxQueued?: number;
  /** Offline alerts wait this long after start (tests shorten it). */
  offlineGraceMs?: number;
  alertTickMs?: number;
  /** A client must send its request headers within this time (tests shorten it). */
  headersTimeoutMs?: number;
  /** Admin sessions last this long (tests shorten it). */
  sessionTtlMs?: number;
  /** scrypt's cost (N) for passwords set while running (tests lower it; the password limits are the same). */
  passwordHashN?: number;
}

/** Whether this server is part of a cluster: it follows peers, or peers may follow it. */
const peerFeedOn = (config: Config) => config.cluster.peers.length > 0 || config.cluster.secret !== '';

/** The hub as the database left it: nodes, their latest samples and traffic counters. */
function restoreHub(store: Store, config: Config, latest: readonly StoredSample[]): Hub {
  const hub = new Hub(store.listNodes(), {
    settings: config.nodes,
    showHostnames: config.page.showHostnames,
    now: systemClock.now,
    handoverMs: peerFeedOn(config) ? HANDOVER_MS : 0,
  });
  for (const s of latest) hub.restore(s.nodeId, s.ts, s.values);
  restoreClockOffsets(store, hub);
  hub.traffic.restore(store.trafficStates());
  return hub;
}

/**
 * The rules and channels in force (the file's and the admin's) and the alert engine over the hub's
 * nodes, which takes the admin's changes at once; `link` makes the node page's address for messages.
 */
function createAlerts(
  config: Config,
  store: Store,
  hub: Hub,
  forecasts: Forecasts,
  link: (id: number) => string,
  offlineGraceMs?: number,
  cluster?: ClusterLink | null,
): { alerts: AlertEngine; setup: AlertSetup; notifier: Notifier } {
  const setup: AlertSetup = new AlertSetup(
    store,
    { rules: config.rules, channels: config.channels, checks: new Set(config.checks.map((c) => c.name)) },
    {
      rules: (rules) => alerts.setRules(rules),
      channels: (channels) => notifier.setChannels(channels),
    },
  );
  const notifier = new Notifier(setup.channels());
  const alerts: AlertEngine = new AlertEngine({
    rules: setup.rules(),
    store,
    notifier,
    // In a cluster, a node whose agent another server has is online for the offline rules here.
    node: (id) => {
      const meta = hub.meta(id);
      return meta && !meta.online && cluster?.pg.onlineElsewhere(id, meta.lastSeen, 2 * PRESENCE_EVERY_MS)
        ? { ...meta, online: true }
        : (meta ?? undefined);
    },
    scope: (id) => {
      const record = hub.get(id);
      return record && { name: record.name, group: record.group, cores: record.host?.cores ?? 0 };
    },
    nodeIds: () => hub.ids(),
    link,
    offlineGraceMs,
    silences: () => [...config.silences, ...adminSilences(store)],
    forecasts: (id) => forecasts.cached(id)?.items ?? null,
    claim: cluster ? (...args) => cluster.pg.claim(...args) : undefined,
    firingAcross: cluster ? () => cluster.pg.firingAcross() : undefined,
    claimedFiring: cluster ? (id) => cluster.pg.claimedFiring(id) : undefined,
  });
  return { alerts, setup, notifier };
}

/**
 * The store and all that takes samples in or judges them: hub, ingest queue, the agent and live
 * gateways, alerts and checks. `base` is the page's address for links in messages.
 */
function createCore(config: Config, options: ServerOptions, base: () => string, cluster: ClusterLink | null) {
  const clock = systemClock;
  const targets = config.history.remoteWrite;
  const store =
    cluster?.store ??
    openSqliteStore(config.server.data, { rawRetentionMs: config.retention.raw, verify: true, outbox: targets.length > 0 });
  const latest = store.latestSamples();
  // Before anything stamps a time: a restart on a clock stepped back starts after what is stored.
  const serverClock = startServerClock(store, latest, clock);
  const hub = restoreHub(store, config, latest);
  const stored = new Map(latest.map((s) => [s.nodeId, { seq: s.seq, ts: s.ts }]));
  const notes = new NodeNotesSetup(store, config.nodes, hub);
  notes.apply();
  const queue = new IngestQueue(store, { flushMs: 50, maxQueued: options.maxQueued ?? 200_000 });
  const forecasts = new Forecasts({ store, hub, now: () => clock.now() });
  const link = (id: number) => `${base()}/#/node/${id}`;
  const { alerts, setup, notifier } = createAlerts(config, store, hub, forecasts, link, options.offlineGraceMs, cluster);
  const agents = new AgentGateway({
    store,
    hub,
    queue,
    ackIntervalMs: options.ackIntervalMs ?? config.server.ackIntervalMs,
    autoAckMaxAgents: options.autoAckMaxAgents,
    helloGraceMs: options.helloGraceMs,
    onSample: (id, row) => {
      alerts.onSample(id, row);
      checks.onSample(id, row);
    },
    budget: new MetricBudget(config.server.metricNamesPerNode, (id) => store.metricNames(id)),
    newestStored: (id) => stored.get(id),
  });
  const live = new LiveGateway(hub);
  const storage = new StoreWatch({
    failing: () => queue.failing,
    hold: (reason) => agents.hold(reason),
    clock,
    notify: (message) => notifier.dispatch(Object.keys(setup.channels()), message),
    link: () => `${base()}/`,
  });
  queue.onWrite = () => storage.tick();
  const checks = serverChecks(config.checks, store, queue, alerts, clock, () => `${base()}/#services`, hub);
  // Without targets the outbox is emptied: what a removed target had not sent is not kept for ever.
  if (targets.length === 0) store.outbox.keepTargets([]);
  const remoteWrite = targets.length > 0 ? startRemoteWrite(targets, store.outbox, hub, clock, config.server.data) : null;
  const peerFeed = peerFeedOn(config) ? new PeerFeed(hub, config.cluster, clock) : null;
  return { clock, serverClock, store, hub, notes, queue, forecasts, alerts, setup, agents, live, storage, checks, remoteWrite, peerFeed };
}

/**
 * Every part of the server, built before anything listens, with the TLS files (null: plain HTTP)
 * and the page's assets. `port` is the port the server listens on (0 until it does).
 */
export function createParts(config: Config, options: ServerOptions, port: () => number, cluster: ClusterLink | null = null) {
  const pageBase = (config.server.publicUrl || '').replace(/^ws/, 'http').replace(/\/$/, '');
  const core = createCore(config, options, () => pageBase || `http://localhost:${port()}`, cluster);
  const { store, agents } = core;
  const auth = new AdminAuth(store, core.clock.now, options.sessionTtlMs, undefined, options.passwordHashN);
  const tls = config.server.tlsCert ? { certFile: config.server.tlsCert, keyFile: config.server.tlsKey } : null;
  const clients = new ClientAddresses(config.server.trustProxy, config.server.trustedProxies);
  const assets = new Map<string, Asset>();
  const page = new PageSetup(store, config, { version: VERSION, alerts: config.page.alerts }, (info) =>
    putIndex(assets, info, options.webDir),
  );
  for (const [at, file] of loadAssets(page.info(), options.webDir)) assets.set(at, file);
  const parts = {
    config,
    ...core,
    auth,
    pageBase,
    page,
    access: new PageAccess(store, auth),
    hosts: new OwnHosts(store, config.server.allowedHosts, pageBase),
    sync: new NodeSync(store, core.hub, agents),
    /** The cluster's registry (store.postgres): node changes go through it. */
    registry: cluster?.registry ?? null,
    clientAddress: (req: IncomingMessage) => clients.of(req),
    secure: (req: IncomingMessage) => clients.secure(req, Boolean(tls)),
  };
  return { parts, tls, assets };
}
