/**
 * @module A server of a cluster (`store.postgres`): opens the PostgreSQL registry before the parts
 * are built (so nodes, settings and sessions are mirrored when they read them), follows the other
 * servers' changes while running, and keeps this server's presence rows fresh. See docs/cluster.md.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Config } from '../config/schema';
import { PgCluster } from '../store/pg-cluster';
import { PgRegistry, redactUrl } from '../store/pg-registry';
import type { RegistryChange } from '../store/pg-registry';
import { PgShared, clusterStore } from '../store/pg-shared';
import { openSqliteStore } from '../store/sqlite-store';

type SqliteStore = ReturnType<typeof openSqliteStore>;
import type { Clock } from '../util/clock';
import { log } from '../util/log';

/** How often presence rows are renewed, and after how long without renewal another server's node counts as gone. */
export const PRESENCE_EVERY_MS = 5000;
const PRESENCE_STALE_MS = 20_000;

export interface ClusterLink {
  registry: PgRegistry;
  shared: PgShared;
  pg: PgCluster;
  /** The local store with shared settings and sessions written through to PostgreSQL. */
  store: SqliteStore;
}

/** Opens the local store and the registry; PROBE_ERR_POSTGRES (store closed) if PostgreSQL is unreachable or refuses. */
export async function openCluster(config: Config): Promise<ClusterLink> {
  const local = openSqliteStore(config.server.data, {
    rawRetentionMs: config.retention.raw,
    verify: true,
    outbox: config.history.remoteWrite.length > 0,
  });
  try {
    const registry = await PgRegistry.open(config.store.postgres, local);
    const shared = await PgShared.open(registry, local).catch(async (err: unknown) => {
      await registry.close();
      throw err;
    });
    const serverId = `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    log.info('registry in PostgreSQL', { postgres: redactUrl(config.store.postgres), nodes: local.listNodes().length, server: serverId });
    return { registry, shared, pg: new PgCluster(registry, serverId), store: clusterStore(local, shared, registry) };
  } catch (err) {
    local.close();
    throw err;
  }
}

export interface ClusterParts {
  sync: { changed(): number };
  setup: { apply(): void };
  notes: { apply(): void };
  page: { refresh(): void };
  live: { recheck(): void; disconnectGuests(): void };
  /** Nodes whose agent is connected to this server now. */
  connected: () => number[];
  clock: Pick<Clock, 'now' | 'every'>;
}

/** Follows other servers' changes and renews presence until stopped. */
export async function startCluster(link: ClusterLink, parts: ClusterParts): Promise<{ stop(): Promise<void> }> {
  const onChange = (change: RegistryChange) => {
    if (change.topic === 'nodes' && change.key === '*') log.info('registry loaded from PostgreSQL again');
    if (change.topic === 'nodes') {
      parts.sync.changed();
      return;
    }
    link.shared.changed(change).then(
      (what) => {
        if (what === 'audit' || what === 'events' || what === null) return;
        // As after the same change made here: a sign-out or new password ends live feeds, and so does a new page access for guests.
        if (what === 'session') return parts.live.recheck();
        parts.setup.apply();
        parts.notes.apply();
        parts.page.refresh();
        if (change.key === 'page.access' || change.key === '*') parts.live.disconnectGuests();
      },
      (err: Error) => log.error('cannot load a change from PostgreSQL', { code: 'PROBE_ERR_POSTGRES', error: err.message }),
    );
  };
  await link.registry.listen(onChange, (err) =>
    log.error(
      'lost PostgreSQL: node, key and admin changes are refused until it is back (retried every few seconds); agents are still accepted',
      {
        code: err.code,
        error: err.message,
      },
    ),
  );
  let beating = false;
  const beat = () => {
    if (beating) return;
    beating = true;
    link.pg
      .heartbeat(parts.connected(), parts.clock.now(), PRESENCE_STALE_MS)
      .catch((err: Error) => log.debug('presence not renewed', { error: err.message }))
      .finally(() => {
        beating = false;
      });
  };
  beat();
  const timer = parts.clock.every(PRESENCE_EVERY_MS, beat).unref();
  return {
    async stop() {
      timer.cancel();
      await link.pg.leave().catch(() => {});
      await link.registry.close();
    },
  };
}
