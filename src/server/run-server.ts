/**
 * @module `probe server`: wires store, hub, gateways and HTTP together and owns their lifetimes.
 * The parts live in their own modules; this file only builds and connects them.
 */
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { AlertEngine } from '../alerts/engine';
import type { Config } from '../config/schema';
import { Notifier } from '../notify/notifier';
import { openSqliteStore } from '../store/sqlite-store';
import type { Store, StoredSample } from '../store/store';
import { systemClock } from '../util/clock';
import { log } from '../util/log';
import { VERSION } from '../version';
import { adminSilences } from './admin/admin-api';
import { AlertSetup } from './admin/alert-setup';
import { AgentGateway } from './agents/agent-gateway';
import { loadAssets, putIndex } from './http/assets';
import type { Asset } from './http/assets';
import { NodeNotesSetup } from './admin/node-notes';
import { PageSetup } from './admin/page-setup';
import { AdminAuth } from './admin/auth';
import { ClientAddresses } from './net/client-address';
import { Hub } from './fleet/hub';
import { Forecasts } from './fleet/forecasts';
import { IngestQueue } from './agents/ingest-queue';
import { StoreWatch } from './agents/store-watch';
import { serverChecks } from './checks/checks-service';
import { createWebServer, listenOn, reloadCertificate } from './listener';
import { LiveGateway } from './live/live-gateway';
import { startLocalAgent } from './agents/local-agent';
import { startEventLoopLog } from './event-loop';
import { startMaintenance } from './maintenance';
import { MetricBudget } from './agents/metric-budget';
import { NodeSync } from './fleet/node-sync';
import { OwnHosts } from './net/own-hosts';
import { PageAccess } from './admin/page-access';
import { createRequestListener } from './request-listener';
import { startServerClock } from './server-clock';
import { saveTraffic, startServerTimers } from './server-timers';
import { shutdown } from './shutdown';
import { upgradeRouter } from './upgrade-router';

export interface RunningServer {
  port: number;
  url: string;
  /** While no admin password is set: the one-time link to choose one. */
  setupUrl: string | null;
  /** Re-reads the TLS certificate and key (SIGHUP); connections stay up. */
  reload(): void;
  close(): Promise<void>;
}

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

/** The hub as the database left it: nodes, their latest samples and traffic counters. */
function restoreHub(store: Store, config: Config, latest: readonly StoredSample[]): Hub {
  const hub = new Hub(store.listNodes(), { settings: config.nodes, showHostnames: config.page.showHostnames, now: systemClock.now });
  for (const s of latest) hub.restore(s.nodeId, s.ts, s.values);
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
    node: (id) => hub.meta(id) ?? undefined,
    scope: (id) => {
      const record = hub.get(id);
      return record && { name: record.name, group: record.group, cores: record.host?.cores ?? 0 };
    },
    nodeIds: () => hub.ids(),
    link,
    offlineGraceMs,
    silences: () => [...config.silences, ...adminSilences(store)],
    forecasts: (id) => forecasts.cached(id)?.items ?? null,
  });
  return { alerts, setup, notifier };
}

export async function runServer(config: Config, options: ServerOptions = {}): Promise<RunningServer> {
  const clock = systemClock;
  const store = openSqliteStore(config.server.data, { rawRetentionMs: config.retention.raw, verify: true });
  const latest = store.latestSamples();
  const serverClock = startServerClock(store, latest, clock);
  const hub = restoreHub(store, config, latest);
  const notes = new NodeNotesSetup(store, config.nodes, hub);
  notes.apply();
  const queue = new IngestQueue(store, { flushMs: 50, maxQueued: options.maxQueued ?? 200_000 });
  const pageBase = (config.server.publicUrl || '').replace(/^ws/, 'http').replace(/\/$/, '');
  let boundPort = 0;
  const forecasts = new Forecasts({ store, hub, now: () => clock.now() });
  const { alerts, setup, notifier } = createAlerts(
    config,
    store,
    hub,
    forecasts,
    (id) => `${pageBase || `http://localhost:${boundPort}`}/#/node/${id}`,
    options.offlineGraceMs,
  );
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
  });
  const live = new LiveGateway(hub);
  const storage = new StoreWatch({
    failing: () => queue.failing,
    hold: (reason) => agents.hold(reason),
    clock,
    notify: (message) => notifier.dispatch(Object.keys(setup.channels()), message),
    link: () => `${pageBase || `http://localhost:${boundPort}`}/`,
  }).start();
  const checks = serverChecks(
    config.checks,
    store,
    queue,
    alerts,
    clock,
    () => `${pageBase || `http://localhost:${boundPort}`}/#services`,
    hub,
  );
  const auth = new AdminAuth(store, clock.now, options.sessionTtlMs, undefined, options.passwordHashN);
  const tls = config.server.tlsCert ? { certFile: config.server.tlsCert, keyFile: config.server.tlsKey } : null;
  const clients = new ClientAddresses(config.server.trustProxy, config.server.trustedProxies);
  const assets = new Map<string, Asset>();
  const page = new PageSetup(store, config, { version: VERSION, alerts: config.page.alerts }, (info) =>
    putIndex(assets, info, options.webDir),
  );
  for (const [at, file] of loadAssets(page.info(), options.webDir)) assets.set(at, file);
  const parts = {
    config,
    store,
    hub,
    queue,
    alerts,
    setup,
    agents,
    live,
    storage,
    auth,
    clock,
    pageBase,
    checks,
    forecasts,
    notes,
    page,
    serverClock,
    access: new PageAccess(store, auth),
    hosts: new OwnHosts(store, config.server.allowedHosts, pageBase),
    sync: new NodeSync(store, hub, agents),
    clientAddress: (req: IncomingMessage) => clients.of(req),
    secure: (req: IncomingMessage) => clients.secure(req, Boolean(tls)),
  };
  const http = createWebServer(tls, options.headersTimeoutMs ?? 10_000, createRequestListener(parts, assets));
  http.on('upgrade', upgradeRouter(parts));
  const bound = await listenOn(http, config.server.listen, Boolean(tls));
  boundPort = bound.port;
  const timers = startServerTimers(parts, options.alertTickMs ?? 5000);
  checks.start();
  const maintenance = startMaintenance(store, config.retention);
  const loopLog = startEventLoopLog();
  const localAgent = config.server.localAgent
    ? startLocalAgent(
        store,
        `${tls ? 'wss' : 'ws'}://${bound.loopback}:${bound.port}`,
        config.agent.intervalMs,
        join(config.server.data, 'local-agent'),
        clock.now(),
      )
    : null;
  if (localAgent) parts.sync.changed();
  log.info('server listening', {
    listen: `${bound.host}:${bound.port}`,
    data: config.server.data,
    version: VERSION,
    alertRules: setup.rules().length,
  });

  return {
    port: bound.port,
    url: bound.url,
    setupUrl: auth.setupToken ? `${bound.url}admin#setup=${auth.setupToken}` : null,
    reload: () => reloadCertificate(http, tls),
    close: () =>
      shutdown({
        background: [timers, checks, maintenance, localAgent, loopLog, storage, serverClock],
        agents,
        live,
        http,
        queue,
        flush: () => saveTraffic(parts),
        store,
        clock,
      }),
  };
}
