/**
 * @module The SQLite Store: the only importer of better-sqlite3. WAL mode so the CLI can add
 * nodes while the server runs; a busy timeout so the two never fail on each other's locks.
 * The roles' queries live in sqlite-roles.ts; samples and history tiers in series.ts.
 */
import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { ProbeError } from '../util/errors';
import { MIGRATIONS } from './migrations/index';
import { embeddedSqliteBinding, loadSqliteAddon } from './native';
import { MetricNames } from './metric-names';
import { Outbox } from './outbox';
import { Series } from './series';
import { sqliteAlerts, sqliteChecks, sqliteNodes, sqliteSeries, sqliteSettings } from './sqlite-roles';
import type { OutboxStore, Store } from './store';
import { DEFAULT_RETENTION } from './tiers';

export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new ProbeError(
      'PROBE_ERR_STORE',
      `the database was written by a newer probe (schema ${current}, this one knows ${MIGRATIONS.length}): upgrade probe`,
    );
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

/**
 * Creates `file` for its owner alone if it is missing, and takes group and other access away from
 * it and its -wal and -shm files if they have it (SQLite creates those with the database's mode).
 * The database holds the admin's password hash, the page secret, session and CSRF tokens: private
 * even where the data directory is not (a --data made by hand, an older probe's 0644 file).
 */
function ownerOnly(file: string): void {
  closeSync(openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      if ((statSync(f).mode & 0o077) !== 0) chmodSync(f, 0o600);
    } catch {
      // Not there (no -wal yet), or another user's file: SQLite's own error, if any, says more.
    }
  }
}

/** SQLite's words for a file that is not a sound database (SQLITE_CORRUPT, SQLITE_NOTADB). */
function isDamage(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || /malformed|not a database/i.test(String((err as Error).message));
}

/**
 * The exit status of a server that stopped on a damaged database: its systemd unit does not
 * restart on it (RestartPreventExitStatus), since starting again only fails again.
 */
export const DAMAGED_EXIT_CODE = 3;

/** What a person does about a damaged database. */
function damaged(file: string, problem: string): ProbeError {
  return new ProbeError(
    'PROBE_ERR_STORE',
    `the database ${file} is damaged (${problem}). Restore it from a \`probe backup\` file: stop the server, copy the backup to ${file}, ` +
      `delete ${file}-wal and ${file}-shm if they exist, and start again; or move ${file} away to start with an empty database`,
    DAMAGED_EXIT_CODE,
  );
}

/** Every connection's settings: WAL's safe sync level, and waiting up to 5 s for another connection's write. */
function tune(db: Database.Database): void {
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
}

function openDatabase(file: string): Database.Database {
  try {
    ownerOnly(file);
    // The typings only allow a path; better-sqlite3 also takes the loaded addon object.
    const db = new Database(file, { nativeBinding: embeddedSqliteBinding() as string | undefined });
    db.pragma('journal_mode = WAL');
    tune(db);
    migrate(db);
    return db;
  } catch (err) {
    if (err instanceof ProbeError) throw err;
    if (isDamage(err)) throw damaged(file, (err as Error).message);
    throw new ProbeError('PROBE_ERR_STORE', `cannot open database ${file}: ${(err as Error).message}`);
  }
}

/** SQLite's quick check (every page read, no index cross-check): the first problems, or none. */
function quickCheck(db: Database.Database): string[] {
  try {
    const rows = db.pragma('quick_check(3)') as { quick_check: string }[];
    return rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
  } catch (err) {
    if (isDamage(err)) return [(err as Error).message];
    throw err;
  }
}

export interface OpenOptions {
  /** Bounds which hours compaction may re-roll (the raw tier's retention). */
  rawRetentionMs?: number;
  /** Reads every page first and refuses a damaged file (the server's start; not each CLI command). */
  verify?: boolean;
  /** Records what is stored for the first time in the remote-write outbox (outbox.ts); without, it is emptied. */
  outbox?: boolean;
  /** The time rows of the outbox are stamped with (Date.now unless given). */
  now?: () => number;
}

/** The SQLite Store, with the remote-write outbox only it has. */
export type SqliteStore = Store & { readonly outbox: OutboxStore };

/** The database file of a data directory. */
export const databaseFile = (dataDir: string): string => path.join(dataDir, 'probe.db');

/** Opens (creating if needed) `<dataDir>/probe.db`. */
export function openSqliteStore(dataDir: string, options: OpenOptions = {}): SqliteStore {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = databaseFile(dataDir);
  const db = openDatabase(file);
  const problems = options.verify ? quickCheck(db) : [];
  if (problems.length > 0) {
    db.close();
    throw damaged(file, problems.join('; '));
  }
  let series: Series;
  try {
    series = new Series(db, options.rawRetentionMs ?? DEFAULT_RETENTION.raw, options.outbox, options.now);
  } catch (err) {
    db.close();
    if (isDamage(err)) throw damaged(file, (err as Error).message);
    throw new ProbeError('PROBE_ERR_STORE', `cannot read the sample journal in ${file}: ${(err as Error).message}`);
  }
  return {
    ...sqliteNodes(db, series),
    ...sqliteSeries(db, series),
    ...sqliteAlerts(db),
    ...sqliteSettings(db),
    ...sqliteChecks(db),
    outbox: series.outbox,
    integrityCheck() {
      const rows = db.pragma('integrity_check') as { integrity_check: string }[];
      return rows.map((r) => r.integrity_check).filter((r) => r !== 'ok');
    },
    externalChangeMarker: () => db.pragma('data_version', { simple: true }) as number,
    close: () => db.close(),
  };
}

/**
 * The remote-write outbox of a server's database on a connection of its own, for the remote-write
 * worker thread (src/server/remote/writer-thread.ts): the server has opened and migrated the file,
 * so this only opens it. `addonFile` is the addon the server loaded (native.ts loadedSqliteAddonFile).
 */
export function openOutboxConnection(file: string, addonFile: string | undefined): { outbox: OutboxStore; close(): void } {
  // The typings only allow a path; better-sqlite3 also takes the loaded addon object.
  const db = new Database(file, { fileMustExist: true, nativeBinding: loadSqliteAddon(addonFile) as string | undefined });
  try {
    tune(db);
    return { outbox: new Outbox(db, new MetricNames(db), false), close: () => db.close() };
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Copies `<dataDir>/probe.db` to `dest` with SQLite's online backup, safe while the server writes
 * (it holds everything acked: blocks and the journal). Written beside `dest` and renamed when complete
 * and sound, so a half-written backup never sits under the final name.
 */
export async function backupDatabase(dataDir: string, dest: string): Promise<{ bytes: number }> {
  const file = path.join(dataDir, 'probe.db');
  if (!existsSync(file)) throw new ProbeError('PROBE_ERR_NOT_FOUND', `no database at ${file}: pass the server's --data directory`);
  const source = new Database(file, { readonly: true, fileMustExist: true, nativeBinding: embeddedSqliteBinding() as string | undefined });
  const tmp = `${dest}.partial-${process.pid}`;
  try {
    // A backup holds the same secrets as the database (SQLite would create it 0644).
    closeSync(openSync(tmp, 'w', 0o600));
    source.pragma('busy_timeout = 5000');
    await source.backup(tmp);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new ProbeError('PROBE_ERR_STORE', `backup to ${dest} failed: ${(err as Error).message}`);
  } finally {
    source.close();
  }
  const copy = new Database(tmp, { nativeBinding: embeddedSqliteBinding() as string | undefined });
  const problems = (copy.pragma('integrity_check') as { integrity_check: string }[]).filter((r) => r.integrity_check !== 'ok');
  copy.pragma('journal_mode = DELETE');
  copy.close();
  if (problems.length) {
    rmSync(tmp, { force: true });
    throw new ProbeError('PROBE_ERR_STORE', `the backup failed its integrity check (${problems[0]!.integrity_check}): nothing written`);
  }
  renameSync(tmp, dest);
  return { bytes: statSync(dest).size };
}
