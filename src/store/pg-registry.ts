/**
 * @module The fleet's registry of nodes in PostgreSQL (`store.postgres`), shared by several probe
 * servers: Postgres assigns node ids and holds the names and key hashes; each server keeps them in
 * its local store as a synchronous read mirror (the Store roles are synchronous), loads them at start
 * and again on every `NOTIFY probe_registry` another server sends after a change. Writes go to
 * Postgres first and to the mirror after: when Postgres is unreachable they are refused with
 * PROBE_ERR_POSTGRES (never kept locally only) and the server goes on serving the mirror it has.
 * `pg` is imported only here, and only when this is opened, so the agent never loads it.
 */
import type { Client, Notification } from 'pg';
import { ProbeError } from '../util/errors';
import type { NewNode, NodeRecord, NodeStore } from './store';

const CHANNEL = 'probe_registry';
const SCHEMA = `CREATE TABLE IF NOT EXISTS probe_nodes (
  id bigserial PRIMARY KEY, name text NOT NULL UNIQUE, grp text NOT NULL, location text NOT NULL,
  key_hash text NOT NULL, created_at bigint NOT NULL)`;

interface PgNodeRow {
  id: string;
  name: string;
  grp: string;
  location: string;
  key_hash: string;
  created_at: string;
}

/** The connection string without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

function unreachable(url: string, err: unknown): ProbeError {
  const why = err instanceof Error ? err.message : String(err);
  return new ProbeError('PROBE_ERR_POSTGRES', `PostgreSQL at ${redactUrl(url)} failed: ${why} (check store.postgres and that it is up)`);
}

export class PgRegistry {
  private closed = false;
  private onError: (err: ProbeError) => void = () => {};

  private constructor(
    private readonly client: Client,
    private readonly url: string,
    private readonly local: NodeStore,
  ) {}

  /** Connects, creates the table if new, and fills the local mirror. Throws PROBE_ERR_POSTGRES. */
  static async open(url: string, local: NodeStore): Promise<PgRegistry> {
    const pg = await import('pg');
    const client = new pg.default.Client({ connectionString: url, connectionTimeoutMillis: 5000, statement_timeout: 10_000 });
    try {
      await client.connect();
      await client.query(SCHEMA);
    } catch (err) {
      await client.end().catch(() => {});
      throw unreachable(url, err);
    }
    const registry = new PgRegistry(client, url, local);
    client.on('error', (err) => {
      if (!registry.closed) registry.onError(unreachable(url, err));
    });
    await registry.pull();
    return registry;
  }

  /**
   * Follows other servers' changes: pulls the registry on every notification. `onError` hears a lost
   * connection (the mirror stays as it was; writes are refused until a new registry is opened).
   */
  async listen(onChange: () => void, onError: (err: ProbeError) => void): Promise<void> {
    this.client.on('notification', (msg: Notification) => {
      if (msg.channel !== CHANNEL) return;
      this.pull().then(onChange, (err: unknown) => onError(err instanceof ProbeError ? err : unreachable(this.url, err)));
    });
    this.onError = onError;
    await this.query(`LISTEN ${CHANNEL}`);
  }

  /** Adds a node in Postgres (which assigns its id), then in the mirror; tells the other servers. */
  async addNode(node: NewNode, now: number): Promise<NodeRecord> {
    let row: PgNodeRow | undefined;
    try {
      const res = await this.client.query<PgNodeRow>(
        'INSERT INTO probe_nodes (name, grp, location, key_hash, created_at) VALUES ($1, $2, $3, $4, $5) ' +
          'ON CONFLICT (name) DO NOTHING RETURNING *',
        [node.name, node.group, node.location, node.keyHash, now],
      );
      row = res.rows[0];
    } catch (err) {
      throw unreachable(this.url, err);
    }
    if (!row) throw new ProbeError('PROBE_ERR_EXISTS', `a node named "${node.name}" already exists: pick another name or remove it first`);
    await this.query(`NOTIFY ${CHANNEL}`);
    return this.local.addNode({ ...node, id: Number(row.id) }, now);
  }

  /** Removes a node in Postgres, then in the mirror (with its local history). False if there was none. */
  async removeNode(name: string): Promise<boolean> {
    const res = await this.query('DELETE FROM probe_nodes WHERE name = $1', [name]);
    await this.query(`NOTIFY ${CHANNEL}`);
    const gone = this.local.removeNode(name);
    return (res.rowCount ?? 0) > 0 || gone;
  }

  /** Sets a node's key hash in Postgres, then in the mirror. False if there was no such node. */
  async setKeyHash(name: string, keyHash: string): Promise<boolean> {
    const res = await this.query('UPDATE probe_nodes SET key_hash = $2 WHERE name = $1', [name, keyHash]);
    await this.query(`NOTIFY ${CHANNEL}`);
    this.local.setKeyHash(name, keyHash);
    return (res.rowCount ?? 0) > 0;
  }

  /** Makes the mirror match Postgres: adds, re-keys and removes nodes (the server's own local node stays). */
  async pull(): Promise<void> {
    const res = await this.query('SELECT * FROM probe_nodes ORDER BY id');
    const rows = res.rows as PgNodeRow[];
    const mirror = new Map(this.local.listNodes().map((n) => [n.name, n]));
    const names = new Set<string>();
    for (const row of rows) {
      names.add(row.name);
      const have = mirror.get(row.name);
      if (have && have.id !== Number(row.id)) this.local.removeNode(row.name);
      if (!have || have.id !== Number(row.id)) {
        const node = { name: row.name, group: row.grp, location: row.location, keyHash: row.key_hash, id: Number(row.id) };
        this.local.addNode(node, Number(row.created_at));
      } else if (have.keyHash !== row.key_hash) this.local.setKeyHash(row.name, row.key_hash);
    }
    for (const node of mirror.values()) if (!node.isLocal && !names.has(node.name)) this.local.removeNode(node.name);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.client.end().catch(() => {});
  }

  private async query(text: string, values?: unknown[]) {
    try {
      return await this.client.query(text, values);
    } catch (err) {
      throw unreachable(this.url, err);
    }
  }
}
