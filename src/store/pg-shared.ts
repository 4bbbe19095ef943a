/**
 * @module The admin's settings (password hash, page, rules, channels, silences, notes…) and admin
 * sessions shared through PostgreSQL: one table `probe_kv (topic, key, value)` for both, mirrored
 * into the local SettingsStore like the nodes (pg-registry.ts). A write goes to Postgres and sends
 * `NOTIFY probe_registry` with `topic\nkey`, so each other server reloads only that key. The audit
 * log of admin changes is shared the same way (`probe_audit`, topic `audit`): each server's mirror
 * is replaced by the newest AUDIT_KEEP entries, so every server shows the changes made on any.
 * `clusterStore` is the Store the server uses then: its setting, session and audit writes go both ways.
 */
import { log } from '../util/log';
import type { PgRegistry, RegistryChange } from './pg-registry';
import { AUDIT_KEEP } from './store';
import type { AuditRecord, SessionRecord, SettingsStore, Store } from './store';

/** Settings every server of a cluster shares; the rest (server clock, clock offsets) stay per server. */
export const SHARED_SETTINGS: ReadonlySet<string> = new Set([
  'admin.password',
  'admin.deviceSecret',
  'admin.page',
  'admin.rules',
  'admin.channels',
  'admin.totp',
  'admin.totpPending',
  'admin.nodeNotes',
  'alerts.silences',
  'page.access',
  'page.secret',
  'server.adminHosts',
]);

type Registry = Pick<PgRegistry, 'query' | 'notify' | 'check'>;

/** What another server's change was about, for what the server does next (cluster.ts). */
export type SharedChange = 'setting' | 'session' | 'audit' | null;

export class PgShared {
  private constructor(
    private readonly registry: Registry,
    private readonly local: SettingsStore,
  ) {}

  /**
   * Loads what Postgres has. A server joining hands over first the settings Postgres does not have
   * (a member restarting does not: a setting deleted meanwhile would come back).
   */
  static async open(registry: Registry & { joinedNow: boolean }, local: SettingsStore): Promise<PgShared> {
    const shared = new PgShared(registry, local);
    for (const key of registry.joinedNow ? SHARED_SETTINGS : []) {
      const value = local.getSetting(key);
      if (value !== null)
        await registry.query("INSERT INTO probe_kv (topic, key, value) VALUES ('setting', $1, $2) ON CONFLICT DO NOTHING", [key, value]);
    }
    // A joining server's own audit entries go to the shared log (read in time order, so they fall in place).
    if (registry.joinedNow) for (const entry of local.auditLog(AUDIT_KEEP).reverse()) await shared.insertAudit(entry);
    await shared.pullAll('setting');
    await shared.pullAll('session');
    await shared.pullAudit();
    return shared;
  }

  /** Adds an audit entry to the shared log, keeping the newest `keep`, and tells the other servers. */
  async addAudit(entry: AuditRecord, keep: number): Promise<void> {
    await this.insertAudit(entry);
    await this.registry.query('DELETE FROM probe_audit WHERE id <= (SELECT max(id) FROM probe_audit) - $1', [keep]);
    await this.registry.notify('audit');
  }

  private async insertAudit(entry: AuditRecord): Promise<void> {
    await this.registry.query('INSERT INTO probe_audit (ts, address, action) VALUES ($1, $2, $3)', [entry.ts, entry.address, entry.action]);
  }

  /**
   * The local mirror becomes the shared log's newest entries, with those of this server's own the
   * shared log lacks (written while PostgreSQL was lost) kept in their place, not dropped.
   */
  private async pullAudit(): Promise<void> {
    const res = await this.registry.query('SELECT ts, address, action FROM probe_audit ORDER BY ts DESC, id DESC LIMIT $1', [AUDIT_KEEP]);
    const shared = res.rows.map((r) => ({ ts: Number(r.ts), address: String(r.address), action: String(r.action) }));
    const key = (e: AuditRecord) => `${e.ts}\n${e.address}\n${e.action}`;
    const known = new Set(shared.map(key));
    const oldestShared = shared.at(-1)?.ts ?? -Infinity;
    const ownOnly = this.local
      .auditLog(AUDIT_KEEP)
      .filter((e) => !known.has(key(e)) && (shared.length < AUDIT_KEEP || e.ts > oldestShared));
    // Newest first, as both lists come; ties keep the shared order before this server's own.
    const merged = [...shared, ...ownOnly].sort((x, y) => y.ts - x.ts).slice(0, AUDIT_KEEP);
    this.local.replaceAudit(merged.reverse());
  }

  async putSetting(key: string, value: string | null): Promise<void> {
    if (value === null) await this.registry.query("DELETE FROM probe_kv WHERE topic = 'setting' AND key = $1", [key]);
    else
      await this.registry.query(
        "INSERT INTO probe_kv (topic, key, value) VALUES ('setting', $1, $2) ON CONFLICT (topic, key) DO UPDATE SET value = EXCLUDED.value",
        [key, value],
      );
    await this.registry.notify('setting', key);
  }

  async putSession(s: SessionRecord): Promise<void> {
    await this.registry.query(
      "INSERT INTO probe_kv (topic, key, value, expires_at) VALUES ('session', $1, $2, $3) " +
        'ON CONFLICT (topic, key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at',
      [s.tokenHash, JSON.stringify(s), s.expiresAt],
    );
    await this.registry.notify('session', s.tokenHash);
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.registry.query("DELETE FROM probe_kv WHERE topic = 'session' AND key = $1", [tokenHash]);
    await this.registry.notify('session', tokenHash);
  }

  async pruneSessions(now: number, all: boolean): Promise<void> {
    await this.registry.query("DELETE FROM probe_kv WHERE topic = 'session' AND (expires_at <= $1 OR $2)", [now, all]);
    if (all) await this.registry.notify('session');
  }

  /** Reads one session again (a cookie this server does not know may be from another server). */
  pullSession(tokenHash: string): Promise<void> {
    return this.pullOne('session', tokenHash);
  }

  /** Another server's change: reloads that key (or the whole topic, or the audit log); what it was. */
  async changed(change: RegistryChange): Promise<SharedChange> {
    if (change.topic === 'audit') {
      await this.pullAudit();
      return 'audit';
    }
    if (change.topic !== 'setting' && change.topic !== 'session') return null;
    if (change.key === '' || change.key === '*') await this.pullAll(change.topic);
    else await this.pullOne(change.topic, change.key);
    return change.topic;
  }

  private async pullOne(topic: 'setting' | 'session', key: string): Promise<void> {
    const res = await this.registry.query('SELECT value FROM probe_kv WHERE topic = $1 AND key = $2', [topic, key]);
    const value = (res.rows[0]?.value as string | undefined) ?? null;
    if (topic === 'setting') {
      if (SHARED_SETTINGS.has(key) && this.local.getSetting(key) !== value) this.local.putSetting(key, value);
    } else if (value === null) this.local.deleteSession(key);
    else this.local.putSession(JSON.parse(value) as SessionRecord);
  }

  private async pullAll(topic: 'setting' | 'session'): Promise<void> {
    const res = await this.registry.query('SELECT key, value FROM probe_kv WHERE topic = $1', [topic]);
    const values = new Map(res.rows.map((r) => [r.key as string, r.value as string]));
    if (topic === 'session') {
      this.local.pruneSessions(0, true);
      for (const value of values.values()) this.local.putSession(JSON.parse(value) as SessionRecord);
      return;
    }
    for (const key of SHARED_SETTINGS) {
      const value = values.get(key) ?? null;
      if (this.local.getSetting(key) !== value) this.local.putSetting(key, value);
    }
  }
}

/**
 * The Store a server of a cluster uses: shared settings and sessions are written to the local mirror
 * and to Postgres. Refused with PROBE_ERR_POSTGRES while the connection is known lost; a write that
 * fails on its way is logged (it then holds on this server only, until the next change of that key).
 * `flush` waits for the writes sent so far and rejects if one failed (for a command that exits after).
 */
export function clusterStore<S extends Store>(local: S, shared: PgShared, registry: Registry): S & { flush(): Promise<void> } {
  let pending: Promise<unknown>[] = [];
  const send = (what: string, write: Promise<void>) => {
    pending.push(write);
    write.catch((err: Error) => log.error(`cannot share ${what} through PostgreSQL`, { code: 'PROBE_ERR_POSTGRES', error: err.message }));
  };
  const overrides: Partial<Store> & { flush(): Promise<void> } = {
    putSetting(key, value) {
      if (!SHARED_SETTINGS.has(key)) return local.putSetting(key, value);
      registry.check();
      local.putSetting(key, value);
      send(`setting ${key}`, shared.putSetting(key, value));
    },
    putSession(session) {
      registry.check();
      local.putSession(session);
      send('a session', shared.putSession(session));
    },
    deleteSession(tokenHash) {
      local.deleteSession(tokenHash);
      send('a sign-out', shared.deleteSession(tokenHash));
    },
    pruneSessions(now, all = false) {
      if (all) registry.check();
      local.pruneSessions(now, all);
      send('expired sessions', shared.pruneSessions(now, all));
    },
    addAudit(entry, keep) {
      // Not refused while PostgreSQL is lost: the change it records was (or, a sign-in, did not need it).
      local.addAudit(entry, keep);
      send('an audit entry', shared.addAudit(entry, keep));
    },
    refreshSession: (tokenHash) => shared.pullSession(tokenHash),
    async flush() {
      const writes = pending;
      pending = [];
      await Promise.all(writes);
    },
  };
  return Object.assign(Object.create(local) as S, overrides);
}
