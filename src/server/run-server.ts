/**
 * @module `probe server`: wires store, hub, gateways and HTTP together and owns their lifetimes.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Server as TlsServer } from 'node:https';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Config } from '../config/schema';
import type { RunningAgent } from '../agent/run-agent';
import { openSqliteStore } from '../store/sqlite-store';
import { ProbeError } from '../util/errors';
import { log } from '../util/log';
import { VERSION } from '../version';
import { AgentGateway } from './agent-gateway';
import { serverChecks } from './checks-service';
import { alertsView } from './alerts-view';
import { adminSilences, createAdminHandler } from './admin-api';
import { AdminAuth } from './auth';
import { ClientAddresses } from './client-address';
import { OwnHosts } from './own-hosts';
import { AttemptLimiter } from './limits';
import { PageAccess } from './page-access';
import { loadAssets } from './assets';
import { createRequestHandler } from './http';
import { Hub } from './hub';
import { IngestQueue } from './ingest-queue';
import { LiveGateway } from './live-gateway';
import { MetricBudget } from './metric-budget';
import { startLocalAgent } from './local-agent';
import { startMaintenance } from './maintenance';
import { AlertEngine } from '../alerts/engine';
import { Notifier } from '../notify/notifier';

export interface RunningServer {
  port: number;
  url: string;
  /** While no admin password is set: the one-time link to choose one. */
  setupUrl: string | null;
  /** Re-reads the TLS certificate and key (SIGHUP); connections stay up. */
  reload(): void;
  close(): Promise<void>;
}

/** Reads the PEM pair, with an error that names the file. */
function readTls(certFile: string, keyFile: string): { cert: Buffer; key: Buffer } {
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new ProbeError('PROBE_ERR_CONFIG', `cannot read the TLS ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  return { cert: read(certFile, 'certificate'), key: read(keyFile, 'key') };
}

/** How often the server looks for nodes added, removed or re-keyed by the CLI. */
const EXTERNAL_CHANGE_POLL_MS = 1000;
const TRAFFIC_SAVE_MS = 60_000;
/** WebSocket upgrades per client address: sustained rate and burst (many agents behind one NAT fit in the burst). */
const UPGRADES_PER_SEC = 5;
const UPGRADE_BURST = 60;
/**
 * Connections the kernel queues before the server accepts them. Node's default of 511 overflowed
 * when 10 000 agents reconnected at once (a network blip): the kernel dropped their SYNs, and the
 * agents waited for TCP's retransmits (1, 3, 7, 15 s) before trying again. Linux caps this at
 * net.core.somaxconn (4096 on current kernels).
 */
const LISTEN_BACKLOG = 65_535;

function splitListen(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  return { host: listen.slice(0, at).replace(/^\[|\]$/g, '') || '0.0.0.0', port: Number(listen.slice(at + 1)) };
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
}

/**
 * Error listener of upgraded sockets, defined out here: a closure in the upgrade handler would keep
 * the handler's scope (the request with all its headers) alive as long as the connection.
 */
function destroySocket(this: Duplex): void {
  this.destroy();
}

export async function runServer(config: Config, options: ServerOptions = {}): Promise<RunningServer> {
  const store = openSqliteStore(config.server.data, config.retention.raw);
  const hub = new Hub(store.listNodes(), { settings: config.nodes, showHostnames: config.page.showHostnames });
  for (const s of store.latestSamples()) hub.restore(s.nodeId, s.ts, s.values);
  hub.traffic.restore(store.trafficStates());
  const saveTraffic = () => {
    try {
      store.putTrafficStates(hub.traffic.takeDirty());
    } catch (err) {
      log.error('cannot save traffic counters', { code: 'PROBE_ERR_STORE', error: (err as Error).message });
    }
  };
  // Losing this timer's work costs nothing: the counters saved with it make the next sample count the gap.
  const trafficTimer = setInterval(saveTraffic, TRAFFIC_SAVE_MS).unref();
  const queue = new IngestQueue(store, { flushMs: 50, maxQueued: options.maxQueued ?? 200_000 });
  const pageBase = (config.server.publicUrl || '').replace(/^ws/, 'http').replace(/\/$/, '');
  const alerts = new AlertEngine({
    rules: config.rules,
    store,
    notifier: new Notifier(config.channels),
    node: (id) => hub.meta(id) ?? undefined,
    scope: (id) => {
      const record = hub.get(id);
      return record && { name: record.name, group: record.group, cores: record.host?.cores ?? 0 };
    },
    nodeIds: () => hub.ids(),
    link: (id) => `${pageBase || `http://localhost:${boundPort}`}/#/node/${id}`,
    offlineGraceMs: options.offlineGraceMs,
    silences: () => [...config.silences, ...adminSilences(store)],
  });
  const alertTimer = setInterval(() => alerts.tick(), options.alertTickMs ?? 5000).unref();
  let boundPort = 0;
  let marker = 0;
  const agents = new AgentGateway({ store, hub, queue, ackIntervalMs: options.ackIntervalMs ?? config.server.ackIntervalMs, autoAckMaxAgents: options.autoAckMaxAgents, helloGraceMs: options.helloGraceMs, onSample: (id, row) => alerts.onSample(id, row),
    budget: new MetricBudget(config.server.metricNamesPerNode, (id) => store.metricNames(id)),
  });
  const live = new LiveGateway(hub);
  const checks = serverChecks(config.checks, store, queue, alerts, () => `${pageBase || `http://localhost:${boundPort}`}/#services`);
  const assets = loadAssets({ title: config.server.title, description: config.page.description, links: config.page.links, version: VERSION, alerts: config.page.alerts }, options.webDir);
  const maintenance = startMaintenance(store, config.retention);

  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  // Slow clients (slow-loris) are cut: checked every second, headers within headersTimeout, the whole request within 30 s.
  const serverOptions = { maxHeaderSize: 16 * 1024, requestTimeout: Math.max(30_000, headersTimeout), headersTimeout, connectionsCheckingInterval: 1000 };
  const tls = config.server.tlsCert ? { certFile: config.server.tlsCert, keyFile: config.server.tlsKey } : null;
  const auth = new AdminAuth(store, Date.now, options.sessionTtlMs);
  const access = new PageAccess(store, auth);
  const hosts = new OwnHosts(store, config.server.allowedHosts, pageBase);
  const clients = new ClientAddresses(config.server.trustProxy, config.server.trustedProxies);
  const clientAddress = (req: IncomingMessage) => clients.of(req);
  const secure = (req: IncomingMessage) => clients.secure(req, Boolean(tls));
  const adminHandler = createAdminHandler({
    auth,
    store,
    hub,
    rules: config.rules,
    channels: config.channels,
    nodesChanged: () => {
      hub.sync(store.listNodes());
      agents.revokeStale();
      marker = store.externalChangeMarker();
    },
    alerts: () => alertsView(alerts.firing(), (n) => store.alertEvents(n), hub, 'all', 'admin'),
    publicUrl: pageBase,
    hosts,
    secure,
    clientAddress,
    access,
    accessChanged: () => live.disconnectGuests(),
    signedOut: () => live.recheck(),
    metricNames: (id) => agents.budget.status(id),
    now: Date.now,
  });
  const handler = createRequestHandler({
    admin: adminHandler,
    hub,
    store,
    retention: config.retention,
    assets,
    version: VERSION,
    alerts: (audience) => alertsView(alerts.firing(), (n) => store.alertEvents(n), hub, config.page.alerts, audience),
    access,
    secure,
    hosts,
    clientAddress,
    checks,
    health: (audience) => {
      const { nodes, online } = hub.counts(audience);
      return { nodes, agentsConnected: audience === 'admin' ? agents.connectedCount : online, viewers: live.viewerCount, queued: queue.length };
    },
  });
  const http = tls ? createTlsServer({ ...serverOptions, ...readTls(tls.certFile, tls.keyFile) }, handler) : createServer(serverOptions, handler);
  http.maxHeadersCount = 100;
  // WebSocket connection attempts per client address: a reconnecting agent or page needs a few; a flood is refused.
  const attempts = new AttemptLimiter(UPGRADES_PER_SEC, UPGRADE_BURST);
  http.on('upgrade', (req, socket, head) => {
    socket.on('error', destroySocket);
    if (!attempts.allow(clientAddress(req), Date.now())) {
      socket.end('HTTP/1.1 429 Too Many Requests\r\nRetry-After: 10\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const path = (req.url ?? '').split('?')[0];
    if (path === '/ws/agent') agents.handleUpgrade(req, socket, head, clientAddress(req));
    else if (path === '/ws/live') {
      if (!hosts.originAllowed(req)) {
        const body = JSON.stringify({ code: 'PROBE_ERR_ORIGIN', message: 'the live feed is only for pages of this server: set server.publicUrl or server.allowedHosts to the name the page is served at' });
        socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
        return;
      }
      access.audience(req, clientAddress(req)).then((audience) => {
        if (typeof audience === 'object' && audience) {
          socket.end(`HTTP/1.1 429 Too Many Requests\r\nRetry-After: ${audience.retryAfterSec}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
          return;
        }
        // An admin's feed lasts as long as the session: sign-out, a new password or expiry close it.
        const session = audience === 'admin' ? auth.session(req.headers.cookie) : null;
        if (session) live.handleUpgrade(req, socket, head, 'admin', () => auth.sessionValid(session.tokenHash));
        else if (audience === 'guest') live.handleUpgrade(req, socket, head, audience);
        else socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      }, () => socket.destroy());
    }
    else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });

  const { host, port } = splitListen(config.server.listen);
  await new Promise<void>((resolve, reject) => {
    http.once('error', (err: NodeJS.ErrnoException) =>
      reject(new ProbeError('PROBE_ERR_LISTEN', `cannot listen on ${config.server.listen}: ${err.code ?? err.message}${err.code === 'EADDRINUSE' ? ' (another process uses this port: pick another with --listen)' : ''}`)),
    );
    http.listen({ port, host, backlog: LISTEN_BACKLOG }, () => resolve());
  });
  const bound = (http.address() as AddressInfo).port;
  boundPort = bound;
  const wildcard = host === '0.0.0.0' || host === '::';
  const loopback = wildcard ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `${tls ? 'https' : 'http'}://${wildcard ? 'localhost' : loopback}:${bound}/`;

  marker = store.externalChangeMarker();
  const poll = setInterval(() => {
    const now = store.externalChangeMarker();
    if (now === marker) return;
    marker = now;
    const records = store.listNodes();
    log.debug('nodes changed by another process', { nodes: records.length });
    hub.sync(records);
    agents.revokeStale();
    // `probe admin set-password` signs every session out.
    live.recheck();
  }, EXTERNAL_CHANGE_POLL_MS);
  poll.unref();

  let localAgent: RunningAgent | null = null;
  if (config.server.localAgent) {
    localAgent = startLocalAgent(store, `${tls ? 'wss' : 'ws'}://${loopback}:${bound}`, config.agent.intervalMs, join(config.server.data, 'local-agent'), Date.now());
    hub.sync(store.listNodes());
    marker = store.externalChangeMarker();
  }
  checks.start();
  log.info('server listening', { listen: `${host}:${bound}`, data: config.server.data, version: VERSION, alertRules: config.rules.length });

  return {
    port: bound,
    url,
    setupUrl: auth.setupToken ? `${url}admin#setup=${auth.setupToken}` : null,
    reload() {
      if (!tls) return;
      try {
        (http as TlsServer).setSecureContext(readTls(tls.certFile, tls.keyFile));
        log.info('TLS certificate reloaded', { cert: tls.certFile });
      } catch (err) {
        // A half-written renewal must not take the server down: keep serving the old certificate.
        log.error('TLS certificate not reloaded; still serving the previous one', { code: 'PROBE_ERR_CONFIG', error: (err as Error).message });
      }
    },
    async close() {
      clearInterval(poll);
      clearInterval(alertTimer);
      clearInterval(trafficTimer);
      maintenance.stop();
      localAgent?.stop();
      await checks.stop();
      agents.close();
      live.close();
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
      // Peers get a second to answer the close frames; then their sockets are cut.
      await Promise.race([closed, new Promise((r) => setTimeout(r, 1000).unref())]);
      agents.terminate();
      live.terminate();
      await closed;
      queue.close();
      saveTraffic();
      store.close();
    },
  };
}
