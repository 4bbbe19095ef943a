/**
 * @module The registry's tables in PostgreSQL, and the one migration step: a server with nodes of
 * its own joining a registry that has none hands them over with their ids; joining one that has
 * nodes already is refused (their ids would clash) rather than losing the server's nodes.
 */
import { ProbeError } from '../util/errors';
import type { NodeRecord } from './store';

type Query = (text: string, values?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;

/** One statement list, run as one transaction under a lock, so servers starting together do not race on it. */
export const SCHEMA = `SELECT pg_advisory_xact_lock(7345001);
CREATE TABLE IF NOT EXISTS probe_nodes (
  id bigserial PRIMARY KEY, name text NOT NULL UNIQUE, grp text NOT NULL, location text NOT NULL,
  key_hash text NOT NULL, created_at bigint NOT NULL);
ALTER TABLE probe_nodes ADD COLUMN IF NOT EXISTS hidden boolean, ADD COLUMN IF NOT EXISTS position bigint NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS probe_kv (
  topic text NOT NULL, key text NOT NULL, value text NOT NULL, expires_at bigint, PRIMARY KEY (topic, key));
CREATE TABLE IF NOT EXISTS probe_alert_claims (
  rule text NOT NULL, node_id bigint NOT NULL, state text NOT NULL, at bigint NOT NULL, server text NOT NULL,
  PRIMARY KEY (rule, node_id));
CREATE TABLE IF NOT EXISTS probe_presence (
  node_id bigint NOT NULL, server text NOT NULL, seen_at bigint NOT NULL, PRIMARY KEY (node_id, server));`;

/**
 * Hands the mirror's nodes to an empty registry (ids kept, so history stays theirs), or refuses a
 * mirror whose nodes the registry does not have. Runs under the schema's lock.
 */
export async function seedFromMirror(query: Query, mirror: readonly NodeRecord[]): Promise<number> {
  const own = mirror.filter((n) => !n.isLocal);
  if (own.length === 0) return 0;
  await query('BEGIN');
  try {
    await query('SELECT pg_advisory_xact_lock(7345001)');
    const rows = (await query('SELECT id, name FROM probe_nodes')).rows;
    const known = new Set(rows.map((r) => `${r.id} ${r.name}`));
    if (rows.length > 0) {
      const strangers = own.filter((n) => !known.has(`${n.id} ${n.name}`));
      await query('COMMIT');
      if (strangers.length === 0) return 0;
      throw new ProbeError(
        'PROBE_ERR_POSTGRES',
        `this data directory has ${strangers.length} node(s) the PostgreSQL registry does not (${strangers
          .slice(0, 3)
          .map((n) => `"${n.name}"`)
          .join(', ')}…): only a server joining an empty registry brings its nodes along. Start this server with an ` +
          'empty --data directory to join the cluster (its agents are accepted by key from the registry), or remove store.postgres',
      );
    }
    for (const n of own)
      await query(
        'INSERT INTO probe_nodes (id, name, grp, location, key_hash, created_at, hidden, position) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
        [n.id, n.name, n.group, n.location, n.keyHash, n.createdAt, n.hidden, n.position],
      );
    await query("SELECT setval(pg_get_serial_sequence('probe_nodes', 'id'), (SELECT max(id) FROM probe_nodes))");
    await query('COMMIT');
    return own.length;
  } catch (err) {
    await query('ROLLBACK').catch(() => {});
    throw err;
  }
}
