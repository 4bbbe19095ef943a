/**
 * @module The registry's tables in PostgreSQL (with a random id of the registry), and joining it: a
 * server with nodes of its own joining a registry that has none hands them over with their ids;
 * joining one that has nodes already is refused (their ids would clash) rather than losing the
 * server's nodes. A server remembers the registry it mirrors, so it restarts into it as a member.
 */
import { ProbeError } from '../util/errors';
import type { NodeRecord, NodeStore, SettingsStore } from './store';

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
ALTER TABLE probe_alert_claims ADD COLUMN IF NOT EXISTS since bigint;
CREATE INDEX IF NOT EXISTS probe_alert_claims_firing ON probe_alert_claims (rule, node_id) WHERE state = 'firing';
CREATE TABLE IF NOT EXISTS probe_audit (
  id bigserial PRIMARY KEY, ts bigint NOT NULL, address text NOT NULL, action text NOT NULL);
CREATE TABLE IF NOT EXISTS probe_alert_events (
  id bigserial PRIMARY KEY, ts bigint NOT NULL, rule text NOT NULL, node_id bigint NOT NULL, state text NOT NULL,
  severity text NOT NULL, value double precision, text text NOT NULL, silenced boolean NOT NULL);
CREATE TABLE IF NOT EXISTS probe_presence (
  node_id bigint NOT NULL, server text NOT NULL, seen_at bigint NOT NULL, PRIMARY KEY (node_id, server));
INSERT INTO probe_kv (topic, key, value) VALUES ('meta', 'registry', gen_random_uuid()::text) ON CONFLICT DO NOTHING;`;

/** The local setting naming the registry this data directory's mirror belongs to (per server, never shared). */
export const CLUSTER_KEY = 'cluster.registry';

type Local = NodeStore & Pick<SettingsStore, 'getSetting' | 'putSetting'>;

/**
 * Makes the local store a member of the registry: a mirror of this registry already (its
 * `cluster.registry` setting names it) or one without nodes joins as is; one with nodes hands them
 * to an empty registry (ids kept, so history stays theirs); one with nodes of another registry
 * is refused, untouched. Runs under the schema's lock. True if the store was not a member before.
 */
export async function join(query: Query, local: Local): Promise<boolean> {
  const own = local.listNodes().filter((n) => !n.isLocal);
  await query('BEGIN');
  let registry: string;
  try {
    await query('SELECT pg_advisory_xact_lock(7345001)');
    registry = String((await query("SELECT value FROM probe_kv WHERE topic = 'meta' AND key = 'registry'")).rows[0]!.value);
    if (local.getSetting(CLUSTER_KEY) !== registry && own.length > 0) await handOver(query, own);
    await query('COMMIT');
  } catch (err) {
    await query('ROLLBACK').catch(() => {});
    throw err;
  }
  if (local.getSetting(CLUSTER_KEY) === registry) return false;
  local.putSetting(CLUSTER_KEY, registry);
  return true;
}

async function handOver(query: Query, own: readonly NodeRecord[]): Promise<void> {
  const count = Number((await query('SELECT count(*) AS n FROM probe_nodes')).rows[0]!.n);
  if (count > 0)
    throw new ProbeError(
      'PROBE_ERR_POSTGRES',
      `this data directory has ${own.length} node(s) of its own (${own
        .slice(0, 3)
        .map((n) => `"${n.name}"`)
        .join(', ')}…) and the PostgreSQL registry has nodes already: only a server joining an empty registry brings its ` +
        'nodes along. Start this server with an empty --data directory to join the cluster (its agents are accepted by key ' +
        'from the registry), or remove store.postgres',
    );
  for (const n of own)
    await query(
      'INSERT INTO probe_nodes (id, name, grp, location, key_hash, created_at, hidden, position) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [n.id, n.name, n.group, n.location, n.keyHash, n.createdAt, n.hidden, n.position],
    );
  await query("SELECT setval(pg_get_serial_sequence('probe_nodes', 'id'), (SELECT max(id) FROM probe_nodes))");
}
