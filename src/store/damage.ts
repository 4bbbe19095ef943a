/**
 * @module A damaged database file, told apart from other SQLite failures: the server refuses to
 * start on it with PROBE_ERR_STORE and how to restore a `probe backup` file, and exits with
 * DAMAGED_EXIT_CODE, which the systemd unit does not restart (a restart would only fail again).
 */
import { ProbeError } from '../util/errors';

export const DAMAGED_EXIT_CODE = 3;

/** Whether an error from SQLite says the file itself is damaged (not full, not locked). */
export function isDamage(err: unknown): boolean {
  const code = String((err as { code?: unknown } | null)?.code ?? '');
  return code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB' || /malformed|not a database/i.test((err as Error | null)?.message ?? '');
}

/** The error the server stops with; `detail` is SQLite's message or integrity_check's first finding. */
export function damagedStore(file: string, detail: string): ProbeError {
  return new ProbeError(
    'PROBE_ERR_STORE',
    `the database ${file} is damaged (${detail}); the server will not run on it. Restore the newest file made by \`probe backup <file>\`: ` +
      `stop the server, move ${file} and any ${file}-wal and ${file}-shm aside (keep them), copy the backup to ${file}, start the server. ` +
      'Agents resend what they buffered since (up to their buffer limit). Without a backup, `sqlite3 probe.db .recover | sqlite3 new.db` may save part of it.',
    DAMAGED_EXIT_CODE,
  );
}
