/**
 * @module The fleet's registry of nodes in PostgreSQL (`store.postgres`), shared by several probe
 * servers: Postgres assigns node ids and holds names, key hashes and what the admin edits of a node;
 * each server keeps them in its local store as a synchronous read mirror (the Store roles are
 * synchronous), loads them at start and again on every `NOTIFY probe_registry` another server sends
 * after a change. Writes go to Postgres first and to the mirror after: when Postgres is unreachable
 * they are refused with PROBE_ERR_POSTGRES (never kept locally only) and the server goes on serving
 * the mirror it has, reconnecting every few seconds. The connection is shared with pg-shared.ts (settings, sessions) and
 * pg-cluster.ts (alert claims, presence). `pg` is imported only here, and only when this is opened,
 * so the agent never loads it.
 */
import { randomBytes } from 'node:crypto';
import type { Client, Notification } from 'pg';
import { ProbeError } from '../util/errors';
import { SCHEMA, join } from './pg-schema';
import type { NewNode, NodeFields, NodeRecord, NodeStore, SettingsStore } from './store';
import { serverPackage } from '../util/server-package';

/** The mirror: nodes, and the one local setting naming the registry it belongs to. */
type Mirror = NodeStore & Pick<SettingsStore, 'getSetting' | 'putSetting'>;

const CHANNEL = 'probe_registry';
/** After a lost connection, the next try comes this much later. */
const RECONNECT_MS = 3000;

interface PgNodeRow {
  id: string;
  name: string;
  grp: string;
  location: string;
  key_hash: string;
  created_at: string;
  hidden: boolean | null;
  position: string;
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

export function unreachable(url: string, err: unknown): ProbeError {
  if (err instanceof ProbeError) return err;
  const why = err instanceof Error ? err.message : String(err);
  return new ProbeError('PROBE_ERR_POSTGRES', `PostgreSQL at ${redactUrl(url)} failed: ${why} (check store.postgres and that it is up)`);
}

/** A change another server announced: `nodes`, or a topic of pg-shared.ts with the key changed ('' or '*': all). */
export type RegistryChange = { topic: string; key: string };

async function connect(url: string): Promise<Client> {
  const pg = await serverPackage('pg', () => import('pg'));
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000, statement_timeout: 10_000 });
  try {
    await client.connect();
    return client;
  } catch (err) {
    await client.end().catch(() => {});
    throw unreachable(url, err);
  }
}

export class PgRegistry {
  private closed = false;
  private listener: { onChange: (change: RegistryChange) => void; onError: (err: ProbeError) => void } | null = null;
  /** Set while the connection is lost: writes are refused until it is back. */
  private lost: ProbeError | null = null;
  /** The pull following notifications, while it runs; whether another notification came meanwhile. */
  private pulling: Promise<void> | null = null;
  private pullAgain = false;
  /** The statement running now, or the last one: the next waits for it (pg 8 warns when they overlap, pg 9 refuses). */
  private tail: Promise<unknown> = Promise.resolve();
  /** Whether this open made the local store a member (it was not one before): its settings may then be handed over. */
  joinedNow = false;
  /** Marks this process's notifications, which it skips. */
  private readonly origin = randomBytes(6).toString('base64url');

  private constructor(
    private client: Client,
    private readonly url: string,
    private readonly local: NodeStore,
  ) {}

  /**
   * Connects, creates the tables if new, and fills the local mirror; a registry still empty takes
   * the mirror's nodes first (migration of a single server). Throws PROBE_ERR_POSTGRES.
   */
  static async open(url: string, local: Mirror): Promise<PgRegistry> {
    const registry = new PgRegistry(await connect(url), url, local);
    try {
      await registry.client.query(SCHEMA).catch((err: unknown) => Promise.reject(unreachable(url, err)));
      registry.joinedNow = await join((text, values) => registry.query(text, values), local);
      await registry.pull();
    } catch (err) {
      await registry.close();
      throw err;
    }
    registry.watch();
    return registry;
  }

  /**
   * Follows other servers' changes: pulls the nodes on `nodes`, and hands every change to
   * `onChange` after. `onError` hears a lost connection (the mirror stays as it was); this then
   * reconnects every few seconds and, once back, loads everything again and says so through
   * `onChange` (`nodes`, then every shared topic, with key '*').
   */
  async listen(onChange: (change: RegistryChange) => void, onError: (err: ProbeError) => void): Promise<void> {
    this.listener = { onChange, onError };
    await this.query(`LISTEN ${CHANNEL}`);
  }

  /** Tells every other listening server that `topic` changed. */
  async notify(topic: string, key = ''): Promise<void> {
    await this.query('SELECT pg_notify($1, $2)', [CHANNEL, `${topic}\n${key}\n${this.origin}`]);
  }

  /** Handles this connection's notifications and its loss. */
  private watch(): void {
    const client = this.client;
    client.on('notification', (msg: Notification) => {
      const [topic = 'nodes', key = '', origin = ''] = (msg.payload || 'nodes').split('\n');
      // This server's own changes are in its mirror already.
      if (msg.channel !== CHANNEL || origin === this.origin || !this.listener) return;
      const { onChange, onError } = this.listener;
      // A burst of node changes (the admin's new order: one per node) is one pull or two, and one onChange after.
      if (topic === 'nodes' && this.pulling) {
        this.pullAgain = true;
        return;
      }
      (topic === 'nodes' ? this.pullCoalesced() : Promise.resolve()).then(
        () => onChange({ topic, key }),
        (err: unknown) => onError(unreachable(this.url, err)),
      );
    });
    client.on('error', (err) => {
      if (this.closed || client !== this.client || this.lost) return;
      this.lost = unreachable(this.url, err);
      this.listener?.onError(this.lost);
      void client.end().catch(() => {});
      this.reconnect();
    });
  }

  private reconnect(): void {
    setTimeout(() => {
      if (this.closed) return;
      this.reopen().catch(() => this.reconnect());
    }, RECONNECT_MS).unref();
  }

  private async reopen(): Promise<void> {
    const client = await connect(this.url);
    if (this.closed) return void (await client.end());
    this.client = client;
    this.lost = null;
    this.watch();
    if (this.listener) await this.query(`LISTEN ${CHANNEL}`);
    await this.pull();
    for (const topic of ['nodes', 'setting', 'session', 'audit', 'events']) this.listener?.onChange({ topic, key: '*' });
  }

  /** Adds a node in Postgres (which assigns its id), then in the mirror; tells the other servers. */
  async addNode(node: NewNode, now: number): Promise<NodeRecord> {
    const res = await this.query(
      'INSERT INTO probe_nodes (name, grp, location, key_hash, created_at) VALUES ($1, $2, $3, $4, $5) ' +
        'ON CONFLICT (name) DO NOTHING RETURNING *',
      [node.name, node.group, node.location, node.keyHash, now],
    );
    const row = res.rows[0] as PgNodeRow | undefined;
    if (!row) throw new ProbeError('PROBE_ERR_EXISTS', `a node named "${node.name}" already exists: pick another name or remove it first`);
    await this.notify('nodes');
    // A pull started by another server's notice may have mirrored it already, since the insert.
    const id = Number(row.id);
    return this.local.listNodes().find((n) => n.id === id) ?? this.local.addNode({ ...node, id }, now);
  }

  /** Removes a node in Postgres, then in the mirror (with its local history). False if there was none. */
  async removeNode(name: string): Promise<boolean> {
    const res = await this.query('DELETE FROM probe_nodes WHERE name = $1 RETURNING id', [name]);
    // Its alert events go with it, as from the server's own list (the other servers' lists on their next reload).
    for (const row of res.rows) await this.query('DELETE FROM probe_alert_events WHERE node_id = $1', [row.id]);
    await this.notify('nodes');
    const gone = this.local.removeNode(name);
    return (res.rowCount ?? 0) > 0 || gone;
  }

  /** Sets a node's key hash in Postgres, then in the mirror. False if there was no such node. */
  async setKeyHash(name: string, keyHash: string): Promise<boolean> {
    const res = await this.query('UPDATE probe_nodes SET key_hash = $2 WHERE name = $1', [name, keyHash]);
    await this.notify('nodes');
    this.local.setKeyHash(name, keyHash);
    return (res.rowCount ?? 0) > 0;
  }

  /** What the admin edits of a node, in Postgres then in the mirror. PROBE_ERR_EXISTS if the name is taken. */
  async updateNode(id: number, f: NodeFields): Promise<boolean> {
    let res: { rowCount: number | null };
    try {
      res = await this.inTurn(() =>
        this.client.query('UPDATE probe_nodes SET name = $2, grp = $3, location = $4, hidden = $5, position = $6 WHERE id = $1', [
          id,
          f.name,
          f.group,
          f.location,
          f.hidden,
          f.position,
        ]),
      );
    } catch (err) {
      if ((err as { code?: string }).code === '23505')
        throw new ProbeError('PROBE_ERR_EXISTS', `a node named "${f.name}" already exists: pick another name`);
      throw unreachable(this.url, err);
    }
    await this.notify('nodes');
    this.local.updateNode(id, f);
    return (res.rowCount ?? 0) > 0;
  }

  /** `pull`, and again after it if more notifications came meanwhile. */
  private pullCoalesced(): Promise<void> {
    this.pulling = (async () => {
      do {
        this.pullAgain = false;
        await this.pull();
      } while (this.pullAgain);
    })().finally(() => {
      this.pulling = null;
    });
    return this.pulling;
  }

  /** Makes the mirror match Postgres: adds, edits, re-keys and removes nodes (the server's own local node stays). */
  async pull(): Promise<void> {
    const res = await this.query('SELECT * FROM probe_nodes ORDER BY id');
    const rows = res.rows as PgNodeRow[];
    const ids = new Set(rows.map((r) => Number(r.id)));
    // Removals first, so a name given up and taken again by another node is free.
    for (const node of this.local.listNodes()) if (!node.isLocal && !ids.has(node.id)) this.local.removeNode(node.name);
    const mirror = new Map(this.local.listNodes().map((n) => [n.id, n]));
    for (const row of rows) this.mirrorRow(row, mirror.get(Number(row.id)));
  }

  private mirrorRow(row: PgNodeRow, have: NodeRecord | undefined): void {
    const fields: NodeFields = {
      name: row.name,
      group: row.grp,
      location: row.location,
      hidden: row.hidden,
      position: Number(row.position),
    };
    if (!have) {
      this.local.addNode(
        { name: row.name, group: row.grp, location: row.location, keyHash: row.key_hash, id: Number(row.id) },
        Number(row.created_at),
      );
    } else if (have.keyHash !== row.key_hash) this.local.setKeyHash(have.name, row.key_hash);
    const now = have ?? { name: row.name, group: row.grp, location: row.location, hidden: null, position: 0 };
    if (
      now.name !== fields.name ||
      now.group !== fields.group ||
      now.location !== fields.location ||
      now.hidden !== fields.hidden ||
      now.position !== fields.position
    )
      this.local.updateNode(Number(row.id), fields);
  }

  /** Throws the loss of the connection, if it was lost. */
  check(): void {
    if (this.lost) throw this.lost;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.client.end().catch(() => {});
  }

  /** A statement; any failure is PROBE_ERR_POSTGRES naming the URL without its password. */
  async query(text: string, values?: unknown[]) {
    if (this.lost) throw this.lost;
    try {
      return await this.inTurn(() => this.client.query(text, values));
    } catch (err) {
      throw unreachable(this.url, err);
    }
  }

  /** Runs `statement` once the statements before it are done, one at a time on the connection. */
  private inTurn<T>(statement: () => Promise<T>): Promise<T> {
    const next = this.tail.then(statement);
    this.tail = next.catch(() => {});
    return next;
  }
}
