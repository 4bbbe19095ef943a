/**
 * @module `probe server`: wires store, hub, gateways and HTTP together and owns their lifetimes.
 * The parts live in their own modules and are built in server-parts.ts; this file connects and starts them.
 */
import { join } from 'node:path';
import type { Config } from '../config/schema';
import { log } from '../util/log';
import { VERSION } from '../version';
import { startLocalAgent } from './agents/local-agent';
import { startEventLoopLog } from './event-loop';
import { openCluster, startCluster } from './cluster';
import { putIndex } from './http/assets';
import { createWebServer, listenOn, reloadCertificate } from './listener';
import { startMaintenance } from './maintenance';
import { createRequestListener } from './request-listener';
import { createParts } from './server-parts';
import type { ServerOptions } from './server-parts';
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

export async function runServer(config: Config, options: ServerOptions = {}): Promise<RunningServer> {
  let boundPort = 0;
  const link = config.store.postgres ? await openCluster(config) : null;
  const { parts, tls, assets } = createParts(config, options, () => boundPort, link);
  const { store, checks, clock, setup, auth } = parts;
  const http = createWebServer(tls, options.headersTimeoutMs ?? 10_000, createRequestListener(parts, assets));
  http.on('upgrade', upgradeRouter(parts));
  const bound = await listenOn(http, config.server.listen, Boolean(tls));
  boundPort = bound.port;
  const timers = startServerTimers(parts, options.alertTickMs ?? 5000);
  checks.start();
  parts.remoteWrite?.start();
  parts.peerFeed?.start();
  const maintenance = startMaintenance(store, config.retention);
  const loopLog = startEventLoopLog();
  const localAgent = config.server.localAgent
    ? await startLocalAgent(
        store,
        `${tls ? 'wss' : 'ws'}://${bound.loopback}:${bound.port}`,
        config.agent.intervalMs,
        join(config.server.data, 'local-agent'),
        clock.now(),
        link?.registry ?? null,
      )
    : null;
  if (localAgent) parts.sync.changed();
  const cluster = link
    ? await startCluster(link, {
        sync: parts.sync,
        setup,
        notes: parts.notes,
        page: { refresh: () => putIndex(assets, parts.page.info(), options.webDir) },
        live: parts.live,
        connected: () => {
          const ids: number[] = [];
          parts.hub.forEachLocal((id) => ids.push(id));
          return ids;
        },
        clock,
      })
    : null;
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
        background: [timers, checks, maintenance, localAgent, loopLog, parts.serverClock, parts.remoteWrite, parts.peerFeed],
        agents: parts.agents,
        live: parts.live,
        http,
        queue: parts.queue,
        flush: () => saveTraffic(parts),
        store,
        clock,
      }).then(() => cluster?.stop()),
  };
}
