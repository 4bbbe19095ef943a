/**
 * @module What the commands share: the effective config, the database for the commands that edit
 * it while the server runs, and a clean stop on SIGINT/SIGTERM.
 */
import { loadConfig } from '../config/load';
import type { RawSettings } from '../config/load';
import type { Config } from '../config/schema';
import { CLUSTER_KEY } from '../store/pg-schema';
import type { Store } from '../store/store';
import { ProbeError } from '../util/errors';
import { log, setLogLevel } from '../util/log';

/** The flags every command reading the config has (see `configOption`). */
export interface ConfigFlags {
  config?: string;
}

/** Defaults < the config file < PROBE_* < these settings from flags; sets the log level. */
export function configFrom(flags: ConfigFlags, settings: RawSettings): Config {
  const config = loadConfig({ file: flags.config ?? process.env.PROBE_CONFIG, env: process.env, flags: settings });
  setLogLevel(config.logLevel);
  return config;
}

/** The config and the SQLite store of `server.data`; the caller closes the store. */
export async function openStoreFor(flags: ConfigFlags, settings: RawSettings) {
  const config = configFrom(flags, settings);
  const { openSqliteStore } = await import('../store/sqlite-store');
  return { config, store: openSqliteStore(config.server.data) };
}

/**
 * The store, unless it is a cluster server's mirror of a PostgreSQL registry: a change made there
 * alone would hold on that server only and its node ids could clash with the registry's.
 */
function notMirror(store: Store): Store {
  if (store.getSetting(CLUSTER_KEY) !== null)
    throw new ProbeError(
      'PROBE_ERR_CONFIG',
      'this data directory mirrors a PostgreSQL registry: set store.postgres (PROBE_STORE_POSTGRES) as for its server, ' +
        'so the change goes to every server',
      2,
    );
  return store;
}

/**
 * Where `probe node add|remove|rotate-key` write: with store.postgres, the shared registry itself
 * (over an in-memory mirror: every running server hears the change and updates its own), else the
 * local store. `close` ends whichever was opened.
 */
export async function nodeWriterFor(config: Config, store: Store) {
  if (!config.store.postgres) return { writer: notMirror(store), close: async () => {} };
  const [{ PgRegistry }, { createMemoryStore }] = await Promise.all([import('../store/pg-registry'), import('../store/memory-store')]);
  const registry = await PgRegistry.open(config.store.postgres, createMemoryStore());
  return { writer: registry, close: () => registry.close() };
}

/**
 * The store for commands that change admin settings: the SQLite store of `server.data`, or with
 * store.postgres the cluster's shared settings (over an in-memory mirror), since a running server
 * would otherwise overwrite a local change with the registry's. `done` waits for the writes
 * (PROBE_ERR_POSTGRES if one failed) and closes.
 */
export async function openSettingsFor(flags: ConfigFlags, settings: RawSettings): Promise<{ store: Store; done(): Promise<void> }> {
  const config = configFrom(flags, settings);
  if (!config.store.postgres) {
    const { store } = await openStoreFor(flags, settings);
    try {
      notMirror(store);
    } catch (err) {
      store.close();
      throw err;
    }
    return { store, done: async () => store.close() };
  }
  const [{ PgRegistry }, { PgShared, clusterStore }, { createMemoryStore }] = await Promise.all([
    import('../store/pg-registry'),
    import('../store/pg-shared'),
    import('../store/memory-store'),
  ]);
  const mirror = createMemoryStore();
  const registry = await PgRegistry.open(config.store.postgres, mirror);
  const store = clusterStore(mirror, await PgShared.open(registry, mirror), registry);
  return { store, done: () => store.flush().finally(() => registry.close()) };
}

/** Stops on SIGINT/SIGTERM: exit 0 once `stop` is done, 1 on a second signal or after 10 s. */
export function onStop(stop: () => Promise<void> | void): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info('stopping', { signal });
    setTimeout(() => {
      log.error('did not stop within 10 s; exiting anyway');
      process.exit(1);
    }, 10_000).unref();
    Promise.resolve(stop()).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => handler('SIGINT'));
  process.on('SIGTERM', () => handler('SIGTERM'));
}
