/**
 * @module What the commands share: the effective config, the database for the commands that edit
 * it while the server runs, and a clean stop on SIGINT/SIGTERM.
 */
import { loadConfig } from '../config/load';
import type { RawSettings } from '../config/load';
import type { Config } from '../config/schema';
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
