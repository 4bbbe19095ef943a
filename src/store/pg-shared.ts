/**
 * @module The admin's settings (password hash, page, rules, channels, silences, notes…) and admin
 * sessions shared through PostgreSQL: one table `probe_kv (topic, key, value)` for both, mirrored
 * into the local SettingsStore like the nodes (pg-registry.ts). A write goes to Postgres and sends
 * `NOTIFY probe_registry` with `topic\nkey`, so each other server reloads only that key. The audit
 * log of admin changes is shared the same way (`probe_audit`, topic `audit`): each server's mirror
 * is replaced by the newest AUDIT_KEEP entries, so every server shows the changes made on any. So
 * is the list of alert events (`probe_alert_events`, topic `events`): the server that claimed an
 * event (pg-cluster.ts) adds it, so each event is listed once on every server.
 * `clusterStore` is the Store the server uses then: its setting, session, audit and event writes go both ways.
 */
import { Batched } from '../util/batched';
import { log } from '../util/log';
import type { PgRegistry, RegistryChange } from './pg-registry';
import { ALERT_EVENTS_KEEP, AUDIT_KEEP } from './store';
import type { AlertEventRecord, AlertStore, AuditRecord, SessionRecord, SettingsStore, Store } from './store';

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
export type SharedChange = 'setting' | 'session' | 'audit' | 'events' | null;

type Local = SettingsStore & Pick<AlertStore, 'alertEvents' | 'replaceAlertEvents'>;

/**
 * A list newest first: the shared one's newest `keep`, with this server's own entries it lacks
 * (written while PostgreSQL was lost) kept in their place, not dropped. Ties keep the shared order first.
 */
function merged<T extends { ts: number }>(shared: readonly T[], own: readonly T[], key: (x: T) => string, keep: number): T[] {
  const known = new Set(shared.map(key));
  const oldestShared = shared.at(-1)?.ts ?? Number.NEGATIVE_INFINITY;
  const ownOnly = own.filter((e) => !known.has(key(e)) && (shared.length < keep || e.ts > oldestShared));
  return [...shared, ...ownOnly].sort((x, y) => y.ts - x.ts).slice(0, keep);
}

const eventKey = (e: AlertEventRecord) => `${e.ts}\n${e.rule}\n${e.nodeId}\n${e.state}`;

export class PgShared {
  /** Events to add, in one statement per run (an outage of many nodes is a storm of them). */
  private readonly eventsOut = new Batched<AlertEventRecord>((events) => this.insertEvents(events));
  /** Reloads of the event list, one at a time (notices in a storm make one more at most). */
  private readonly eventsIn = new Batched<never>(() => this.readEvents());

  private constructor(
    private readonly registry: Registry,
    private readonly local: Local,
  ) {}

  /**
   * Loads what Postgres has. A server joining hands over first the settings Postgres does not have
   * (a member restarting does not: a setting deleted meanwhile would come back).
   */
  static async open(registry: Registry & { joinedNow: boolean }, local: Local): Promise<PgShared> {
    const shared = new PgShared(registry, local);
    for (const key of registry.joinedNow ? SHARED_SETTINGS : []) {
      const value = local.getSetting(key);
      if (value !== null)
        await registry.query("INSERT INTO probe_kv (topic, key, value) VALUES ('setting', $1, $2) ON CONFLICT DO NOTHING", [key, value]);
    }
    // A joining server's own audit entries go to the shared log (read in time order, so they fall in place).
    if (registry.joinedNow) for (const entry of local.auditLog(AUDIT_KEEP).reverse()) await shared.insertAudit(entry);
    // So do its alert events.
    if (registry.joinedNow) await shared.insertEvents(local.alertEvents(ALERT_EVENTS_KEEP).reverse());
    await shared.pullAll('setting');
    await shared.pullAll('session');
    await shared.pullAudit();
    await shared.readEvents();
    return shared;
  }

  /** Adds an alert event to the shared list (batched), keeping the newest ALERT_EVENTS_KEEP, and tells the other servers. */
  addAlertEvent(event: AlertEventRecord): Promise<void> {
    return this.eventsOut.add(event);
  }

  private async insertEvents(events: readonly AlertEventRecord[]): Promise<void> {
    if (events.length === 0) return;
    const column = <K extends keyof AlertEventRecord>(k: K) => events.map((e) => e[k]);
    await this.registry.query(
      'INSERT INTO probe_alert_events (ts, rule, node_id, state, severity, value, text, silenced) ' +
        'SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::float8[], $7::text[], $8::boolean[])',
      (['ts', 'rule', 'nodeId', 'state', 'severity', 'value', 'text', 'silenced'] as const).map(column),
    );
    // The newest by time (a joining server hands over older events of its own, with the highest ids).
    await this.registry.query(
      'DELETE FROM probe_alert_events WHERE id IN (SELECT id FROM probe_alert_events ORDER BY ts DESC, id DESC OFFSET $1)',
      [ALERT_EVENTS_KEEP],
    );
    await this.registry.notify('events');
  }

  /** The local list becomes the shared one's newest events, with this server's own it lacks kept. */
  private async readEvents(): Promise<void> {
    const res = await this.registry.query(
      'SELECT ts, rule, node_id, state, severity, value, text, silenced FROM probe_alert_events ORDER BY ts DESC, id DESC LIMIT $1',
      [ALERT_EVENTS_KEEP],
    );
    const shared = res.rows.map(
      (r): AlertEventRecord => ({
        ts: Number(r.ts),
        rule: String(r.rule),
        nodeId: Number(r.node_id),
        state: r.state === 'resolved' ? 'resolved' : 'firing',
        severity: String(r.severity),
        value: r.value === null ? null : Number(r.value),
        text: String(r.text),
        silenced: r.silenced === true,
      }),
    );
    const list = merged(shared, this.local.alertEvents(ALERT_EVENTS_KEEP), eventKey, ALERT_EVENTS_KEEP);
    this.local.replaceAlertEvents(list.reverse());
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
    this.local.replaceAudit(merged(shared, this.local.auditLog(AUDIT_KEEP), key, AUDIT_KEEP).reverse());
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
    if (change.topic === 'events') {
      await this.eventsIn.add();
      return 'events';
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
    addAlertEvent(event) {
      local.addAlertEvent(event);
      send('an alert event', shared.addAlertEvent(event));
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
