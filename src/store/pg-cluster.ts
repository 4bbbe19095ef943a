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

const NONE: ReadonlySet<string> = new Set();

/** A repeat reminder already sent by another server within this time is not sent again. */
const REPEAT_WINDOW_MS = 60_000;

export class PgCluster {
  /** Nodes another server reported connected at the last look. */
  private elsewhere = new Set<number>();
  /** When the last look that succeeded started (0: none yet), and whether the latest failed. */
  private readAt = 0;
  private failing = false;
  /** Claims whose last state is firing, by rule and node, as of the last look and this server's claims since. */
  private firing = new Map<string, ClaimedFiring>();
  /** The same by node: the rules firing for it. */
  private firingByNode = new Map<number, Set<string>>();

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
    if (state === 'resolved') this.unsetFiring(rule, nodeId);
    else this.setFiring({ rule, nodeId, since: at });
    return (res.rowCount ?? 0) > 0;
  }

  private setFiring(claim: ClaimedFiring): void {
    const key = `${claim.rule}\n${claim.nodeId}`;
    if (this.firing.has(key)) return;
    this.firing.set(key, claim);
    let rules = this.firingByNode.get(claim.nodeId);
    if (!rules) this.firingByNode.set(claim.nodeId, (rules = new Set()));
    rules.add(claim.rule);
  }

  private unsetFiring(rule: string, nodeId: number): void {
    this.firing.delete(`${rule}\n${nodeId}`);
    const rules = this.firingByNode.get(nodeId);
    rules?.delete(rule);
    if (rules?.size === 0) this.firingByNode.delete(nodeId);
  }

  /** The rules the claims say fire for a node; undefined while looks fail. */
  claimedFiring(nodeId: number): ReadonlySet<string> | undefined {
    return this.failing || this.readAt === 0 ? undefined : (this.firingByNode.get(nodeId) ?? NONE);
  }

  /** What fires across the servers by the claims (every event is claimed, silenced ones too); null while looks fail. */
  firingAcross(): ClaimedFiring[] | null {
    return this.failing || this.readAt === 0 ? null : [...this.firing.values()];
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
      this.firingByNode = new Map();
      for (const r of firing.rows) this.setFiring({ rule: String(r.rule), nodeId: Number(r.node_id), since: Number(r.since) });
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
