/**
 * @module The checks nodes run themselves (`agent.checks` in a node's own config): learnt from the
 * `check.<type>.<name>.*` metrics in its samples, listed as "<node>/<name>" to those who may see
 * the node, with uptime and history read from the node's own series, and each sample's result
 * handed to the alert engine. Each gets a record in the checks table for a stable id.
 */
import type { CheckFacts } from '../../alerts/kinds/kind';
import type { CheckTypeView, CheckView } from '../../protocol/checks';
import { CHECK_METRICS, agentCheckMetric, splitAgentCheckMetric } from '../../protocol/checks';
import type { HistoryAnswer } from '../../protocol/history';
import type { Row } from '../../protocol/row';
import type { CheckRecord, Store } from '../../store/store';
import type { Retention } from '../../store/tiers';
import type { Clock } from '../../util/clock';
import type { Audience, Hub } from '../fleet/hub';
import { parseHistoryQuery, readHistory } from '../http/history';
import type { UptimeStats } from './check-stats';
import { uptimeStats } from './check-stats';

const DAY = 86_400_000;
const STATS_TTL_MS = 30_000;

/** Where one check's values sit in a row (-1: not there). */
interface Columns {
  type: CheckTypeView;
  name: string;
  up: number;
  latencyMs: number;
  certDays: number;
}

/** A node's check, as its record's name says: node id, type and name. */
interface NodeCheck {
  nodeId: number;
  type: CheckTypeView;
  name: string;
}

/**
 * The record name of a node's check. Server checks' names cannot hold control characters, so
 * the leading U+001F keeps the two apart; the node's id, not its name, survives a rename.
 */
function recordName(c: NodeCheck): string {
  return `\u001f${c.nodeId}/${c.type}.${c.name}`;
}

function parseRecordName(name: string): NodeCheck | null {
  // The unit separator marks a node's check, which a configured name cannot contain.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control character is the point (see above)
  const match = /^\u001f(\d+)\/(\w+)\.(.+)$/.exec(name);
  const split = match && splitAgentCheckMetric(`check.${match[2]}.${match[3]}.up`);
  return split ? { nodeId: Number(match[1]), type: split.type, name: split.name } : null;
}

function valueAt(row: Row, i: number): number {
  return i < 0 ? Number.NaN : row.data[i]!;
}

export interface NodeChecksDeps {
  store: Store;
  hub: Pick<Hub, 'ids' | 'latest' | 'meta' | 'visibleTo'>;
  clock: Clock;
  /** Each live sample's result of each check (the alert engine), under the check's record's seriesId. */
  onResult?: (subjectId: number, facts: CheckFacts) => void;
}

export class NodeChecks {
  private readonly records = new Map<string, CheckRecord>();
  private readonly byId = new Map<number, NodeCheck>();
  /** Per names array (one per agent connection): the checks in it. */
  private readonly columns = new WeakMap<readonly string[], Columns[]>();
  private readonly stats = new Map<number, { at: number; value: UptimeStats }>();

  constructor(private readonly deps: NodeChecksDeps) {
    for (const record of deps.store.listChecks()) {
      const check = parseRecordName(record.name);
      if (check) this.remember(check, record);
    }
  }

  /** A live sample of a node: each check in it with a result goes to the alert engine. */
  onSample(nodeId: number, row: Row): void {
    const { onResult, hub, clock } = this.deps;
    const found = this.columnsOf(row.names);
    if (!onResult || found.length === 0) return;
    const meta = hub.meta(nodeId);
    if (!meta) return;
    for (const c of found) {
      const up = valueAt(row, c.up);
      if (Number.isNaN(up)) continue;
      const record = this.record({ nodeId, type: c.type, name: c.name });
      const latencyMs = valueAt(row, c.latencyMs);
      const certDays = valueAt(row, c.certDays);
      onResult(record.seriesId, {
        name: `${meta.name}/${c.name}`,
        group: meta.group,
        up: up === 1,
        latencyMs: Number.isNaN(latencyMs) ? null : latencyMs,
        ...(!Number.isNaN(certDays) && { certExpiresAt: Math.round(clock.now() + certDays * DAY) }),
      });
    }
  }

  /** The checks of every node `audience` may see, in the nodes' order, each node's in its agent's order. */
  list(audience: Audience): CheckView[] {
    const { hub } = this.deps;
    const now = this.deps.clock.now();
    const nodes = hub
      .ids()
      .filter((id) => hub.visibleTo(id, audience))
      .map((id) => hub.meta(id)!);
    nodes.sort((a, b) => a.position - b.position || a.name.localeCompare(b.name));
    const out: CheckView[] = [];
    for (const meta of nodes) {
      const row = hub.latest(meta.id);
      if (!row) continue;
      for (const c of this.columnsOf(row.names)) {
        const up = valueAt(row, c.up);
        if (Number.isNaN(up)) continue;
        const record = this.record({ nodeId: meta.id, type: c.type, name: c.name });
        const latencyMs = valueAt(row, c.latencyMs);
        const certDays = valueAt(row, c.certDays);
        const view: CheckView = {
          id: record.id,
          name: `${meta.name}/${c.name}`,
          node: meta.name,
          nodeId: meta.id,
          group: meta.group,
          type: c.type,
          up: up === 1,
          latencyMs: Number.isNaN(latencyMs) ? null : latencyMs,
          checkedAt: meta.lastSeen,
          ...(!Number.isNaN(certDays) && { certExpiresAt: Math.round((meta.lastSeen ?? now) + certDays * DAY) }),
          ...this.uptime(record, c, meta.id, now),
        };
        out.push(audience === 'admin' ? { ...view, hidden: !hub.visibleTo(meta.id, 'guest') } : view);
      }
    }
    return out;
  }

  /**
   * GET /api/checks/:id/history for a node's check: its series from the node's history, under the
   * names a server check's have. Undefined when `id` is not a node's check; null when `audience`
   * may not see the node.
   */
  history(id: number, params: URLSearchParams, audience: Audience, retention: Retention): HistoryAnswer | null | undefined {
    const check = this.byId.get(id);
    if (!check) return undefined;
    if (!this.deps.hub.visibleTo(check.nodeId, audience)) return null;
    const now = this.deps.clock.now();
    const query = parseHistoryQuery(new URLSearchParams([...params].filter(([k]) => k !== 'metrics')), now);
    const names = CHECK_METRICS.map((m) => agentCheckMetric(check.type, check.name, m));
    const answer = readHistory(this.deps.store, check.nodeId, { ...query, metrics: names }, now, retention);
    CHECK_METRICS.forEach((m, i) => {
      answer[m] = answer[names[i]!];
      delete answer[names[i]!];
    });
    return answer;
  }

  private uptime(record: CheckRecord, c: Columns, nodeId: number, now: number): UptimeStats {
    let cached = this.stats.get(record.id);
    // Without a stored sample yet (its first ones still on their way to the database) the figures are not kept.
    if (!cached || now - cached.at >= STATS_TTL_MS || now < cached.at || cached.value.uptime['24h'] === null) {
      cached = { at: now, value: uptimeStats(this.deps.store, nodeId, now, agentCheckMetric(c.type, c.name, 'up')) };
      this.stats.set(record.id, cached);
    }
    return cached.value;
  }

  private record(check: NodeCheck): CheckRecord {
    const name = recordName(check);
    const known = this.records.get(name);
    if (known) return known;
    const record = this.deps.store.ensureChecks([name], this.deps.clock.now())[0]!;
    this.remember(check, record);
    return record;
  }

  private remember(check: NodeCheck, record: CheckRecord): void {
    this.records.set(recordName(check), record);
    this.byId.set(record.id, check);
  }

  private columnsOf(names: readonly string[]): Columns[] {
    let found = this.columns.get(names);
    if (found) return found;
    const byCheck = new Map<string, Columns>();
    names.forEach((metric, i) => {
      const split = splitAgentCheckMetric(metric);
      if (!split) return;
      const key = `${split.type}.${split.name}`;
      let c = byCheck.get(key);
      if (!c) byCheck.set(key, (c = { type: split.type, name: split.name, up: -1, latencyMs: -1, certDays: -1 }));
      if (split.metric === 'up') c.up = i;
      else if (split.metric === 'latency_ms') c.latencyMs = i;
      else c.certDays = i;
    });
    found = [...byCheck.values()].filter((c) => c.up >= 0);
    this.columns.set(names, found);
    return found;
  }
}
