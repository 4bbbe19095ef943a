/**
 * @module The admin's settings (password hash, page, rules, channels, silences, notes…) and admin
 * sessions shared through PostgreSQL: one table `probe_kv (topic, key, value)` for both, mirrored
 * into the local SettingsStore like the nodes (pg-registry.ts). A write goes to Postgres and sends
 * `NOTIFY probe_registry` with `topic\nkey`, so each other server reloads only that key.
 * `clusterStore` is the Store the server uses then: its setting and session writes go both ways.
 */
import { log } from '../util/log';
import type { PgRegistry, RegistryChange } from './pg-registry';
import type { SessionRecord, SettingsStore, Store } from './store';

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
    await shared.pullAll('setting');
    await shared.pullAll('session');
    return shared;
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

  /** Another server's change: reloads that key (or the whole topic). True if it was a setting. */
  async changed(change: RegistryChange): Promise<boolean> {
    if (change.topic !== 'setting' && change.topic !== 'session') return false;
    if (change.key === '' || change.key === '*') await this.pullAll(change.topic);
    else await this.pullOne(change.topic, change.key);
    return change.topic === 'setting';
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
    refreshSession: (tokenHash) => shared.pullSession(tokenHash),
    async flush() {
      const writes = pending;
      pending = [];
      await Promise.all(writes);
    },
  };
  return Object.assign(Object.create(local) as S, overrides);
}
