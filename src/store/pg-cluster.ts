/**
 * @module What servers of a cluster settle in PostgreSQL beyond the registry: who sends an alert's
 * notification (a claim per rule and node, taken by one conditional upsert: the server whose
 * statement changed the row sends it), and which nodes are connected to some server (presence
 * rows, written for all of this server's agents in one statement every few seconds, never per sample),
 * so an offline rule on one server holds only when no server has the node.
 */
import type { PgRegistry } from './pg-registry';
import type { ClaimedFiring } from './store';

type Registry = Pick<PgRegistry, 'query'>;

const NONE: ReadonlyMap<string, number> = new Map();

/** A repeat reminder already sent by another server within this time is not sent again. */
const REPEAT_WINDOW_MS = 60_000;

export class PgCluster {
  /** Nodes another server reported connected at the last look. */
  private elsewhere = new Set<number>();
  /** When the last look that succeeded started (0: none yet), and whether the latest failed. */
  private readAt = 0;
  private failing = false;
  /** Claims whose last state is firing, node by node: each rule's since, as of the last look and this server's claims since. */
  private firing = new Map<number, Map<string, number>>();

  constructor(
    private readonly registry: Registry,
    /** This server's name in claims and presence rows (unique per process). */
    readonly serverId: string,
  ) {}

  /**
   * Claims an alert event: true if this server is to notify, false if another server has already
   * sent this state (or a reminder within the last minute).
   */
  async claim(rule: string, nodeId: number, state: 'firing' | 'resolved', repeat: boolean, at: number): Promise<boolean> {
    const res = await this.registry.query(
      // `since`: when the state began (a reminder moves `at` only).
      'INSERT INTO probe_alert_claims AS c (rule, node_id, state, at, server, since) VALUES ($1, $2, $3, $4, $5, $4) ' +
        'ON CONFLICT (rule, node_id) DO UPDATE SET state = EXCLUDED.state, at = EXCLUDED.at, server = EXCLUDED.server, ' +
        'since = CASE WHEN c.state <> EXCLUDED.state THEN EXCLUDED.at ELSE c.since END ' +
        'WHERE c.state <> EXCLUDED.state OR ($6 AND c.at < EXCLUDED.at - $7)',
      [rule, nodeId, state, at, this.serverId, repeat, REPEAT_WINDOW_MS],
    );
    // Taken or not, the row now has this state (statements run in order: a look after sees it too).
    const rules = this.firing.get(nodeId);
    if (state === 'resolved') {
      rules?.delete(rule);
      if (rules?.size === 0) this.firing.delete(nodeId);
    } else if (!rules) this.firing.set(nodeId, new Map([[rule, at]]));
    else if (!rules.has(rule)) rules.set(rule, at);
    return (res.rowCount ?? 0) > 0;
  }

  /** The rules the claims say fire for a node, with since when; undefined while looks fail. */
  claimedFiring(nodeId: number): ReadonlyMap<string, number> | undefined {
    return this.failing || this.readAt === 0 ? undefined : (this.firing.get(nodeId) ?? NONE);
  }

  /** What fires across the servers by the claims (every event is claimed, silenced ones too); null while looks fail. */
  firingAcross(): ClaimedFiring[] | null {
    if (this.failing || this.readAt === 0) return null;
    return [...this.firing].flatMap(([nodeId, rules]) => [...rules].map(([rule, since]) => ({ rule, nodeId, since })));
  }

  /**
   * Records the nodes connected here now (one statement for all of them), forgets this server's rows
   * of the others and rows nobody renewed within `staleMs`, then reads which nodes some other server has.
   */
  async heartbeat(connected: readonly number[], now: number, staleMs: number): Promise<void> {
    try {
      await this.registry.query(
        'INSERT INTO probe_presence (node_id, server, seen_at) SELECT unnest($1::bigint[]), $2, $3 ' +
          'ON CONFLICT (node_id, server) DO UPDATE SET seen_at = EXCLUDED.seen_at',
        [connected, this.serverId, now],
      );
      await this.registry.query('DELETE FROM probe_presence WHERE (server = $1 AND seen_at < $2) OR seen_at < $3', [
        this.serverId,
        now,
        now - staleMs,
      ]);
      const res = await this.registry.query('SELECT DISTINCT node_id FROM probe_presence WHERE server <> $1 AND seen_at >= $2', [
        this.serverId,
        now - staleMs,
      ]);
      this.elsewhere = new Set(res.rows.map((r) => Number(r.node_id)));
      const firing = await this.registry.query(
        "SELECT rule, node_id, coalesce(since, at) AS since FROM probe_alert_claims WHERE state = 'firing'",
      );
      this.firing = new Map();
      for (const r of firing.rows) {
        const nodeId = Number(r.node_id);
        let rules = this.firing.get(nodeId);
        if (!rules) this.firing.set(nodeId, (rules = new Map()));
        rules.set(String(r.rule), Number(r.since));
      }
      this.readAt = now;
      this.failing = false;
    } catch (err) {
      this.failing = true;
      throw err;
    }
  }

  /**
   * Whether a node not connected here since `lastSeen` is to count as online: another server has it,
   * or no look has started `settleMs` after it left (time for another server to take the agent and
   * write its row). False while looks fail: then each server judges alone, rather than never.
   */
  onlineElsewhere(nodeId: number, lastSeen: number | null, settleMs: number): boolean {
    if (this.failing) return false;
    return this.elsewhere.has(nodeId) || this.readAt < (lastSeen ?? 0) + settleMs;
  }

  /** Takes this server's presence rows away (on a clean stop), so the others judge its nodes at once. */
  async leave(): Promise<void> {
    await this.registry.query('DELETE FROM probe_presence WHERE server = $1', [this.serverId]);
  }
}
