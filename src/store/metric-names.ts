/**
 * @module Metric names as small integer ids (the `metric_names` table): blocks and journal rows
 * store ids, not names. Ids are looked up once per name, and a row's names once per names array.
 * Which node uses which name is kept in `node_metrics`, written with the samples that bring a name
 * (inside their batch's transaction), so a node's names can be counted and deleted with it.
 */
import type Database from 'better-sqlite3';
import type { MetricValues } from '../protocol/metrics';

const STAT_KEYS = ['min', 'max', 'n'] as const;
/** Distinct id lists kept for sharing; past this the map starts over (lists handed out stay valid). */
const MAX_ID_LISTS = 4096;

export class MetricNames {
  private readonly q;
  private readonly idByName = new Map<string, number>();
  private readonly nameById = new Map<number, string>();
  private readonly statIds = new Map<string, number[]>();
  /**
   * Metric ids of a row's names, worked out once per names array (once per agent connection);
   * the same list of ids is the same array, however many connections send it.
   */
  private idsByNames = new WeakMap<readonly string[], number[]>();
  private readonly idLists = new Map<string, number[]>();

  constructor(db: Database.Database) {
    this.q = {
      all: db.prepare<[], { id: number; name: string }>('SELECT id, name FROM metric_names'),
      add: db.prepare('INSERT OR IGNORE INTO metric_names (name) VALUES (?)'),
      id: db.prepare<[string], { id: number }>('SELECT id FROM metric_names WHERE name = ?'),
      // A series' owner: a node, or a check (see CheckStore).
      nodeExists: db.prepare<[number, number], { id: number }>(
        'SELECT id FROM nodes WHERE id = ? UNION ALL SELECT series_id FROM checks WHERE series_id = ?',
      ),
      use: db.prepare('INSERT OR IGNORE INTO node_metrics (node_id, metric_id) VALUES (?, ?)'),
      ofNode: db.prepare<[number], { metric_id: number }>('SELECT metric_id FROM node_metrics WHERE node_id = ?'),
      dropNode: db.prepare('DELETE FROM node_metrics WHERE node_id = ?'),
      used: db.prepare<[number], { n: number }>('SELECT 1 AS n FROM node_metrics WHERE metric_id = ? LIMIT 1'),
      deleteName: db.prepare('DELETE FROM metric_names WHERE id = ?'),
      // Names no node uses, except the avg/min/max/count ids (`x:min`…) of a name some node uses.
      sweep: db.prepare(`DELETE FROM metric_names WHERE id IN (
          SELECT m.id FROM metric_names m
          WHERE NOT EXISTS (SELECT 1 FROM node_metrics u WHERE u.metric_id = m.id)
            AND NOT EXISTS (SELECT 1 FROM metric_names b JOIN node_metrics u ON u.metric_id = b.id WHERE b.name =
              CASE WHEN m.name GLOB '*:min' OR m.name GLOB '*:max' THEN substr(m.name, 1, length(m.name) - 4)
                   WHEN m.name GLOB '*:n' THEN substr(m.name, 1, length(m.name) - 2) END))`),
    };
    this.load();
  }

  private load(): void {
    for (const { id, name } of this.q.all.all()) {
      this.idByName.set(name, id);
      this.nameById.set(id, name);
    }
  }

  /** Forgets every cached id: names were deleted (here or by another process, such as `probe node remove`). */
  private reload(): void {
    this.idByName.clear();
    this.nameById.clear();
    this.statIds.clear();
    this.idLists.clear();
    this.idsByNames = new WeakMap();
    this.load();
  }

  idOf(name: string): number {
    let id = this.idByName.get(name);
    if (id === undefined) {
      this.q.add.run(name);
      id = this.q.id.get(name)!.id;
      this.idByName.set(name, id);
      this.nameById.set(id, name);
    }
    return id;
  }

  /**
   * Records that `nodeId` uses `names` (names it had not used before: a handful per node, so the
   * ids are read from the table, not trusted from memory, in case another process deleted them).
   * Call inside the batch's transaction. False if the node no longer exists: nothing is written.
   */
  addToNode(nodeId: number, names: readonly string[]): boolean {
    if (!this.q.nodeExists.get(nodeId, nodeId)) return false;
    for (const name of names) {
      let id = this.q.id.get(name)?.id;
      if (id === undefined) {
        this.q.add.run(name);
        id = this.q.id.get(name)!.id;
      }
      const cached = this.idByName.get(name);
      if (cached !== undefined && cached !== id) this.reload();
      this.idByName.set(name, id);
      this.nameById.set(id, name);
      this.q.use.run(nodeId, id);
    }
    return true;
  }

  /** The names `nodeId` has used. */
  namesOfNode(nodeId: number): string[] {
    return this.q.ofNode.all(nodeId).map((r) => this.nameOf(r.metric_id));
  }

  /**
   * Forgets which names `nodeId` used; with `deleteUnused`, deletes those no other node uses, with
   * their rollup ids. Call inside the removal's transaction.
   */
  removeNode(nodeId: number, deleteUnused: boolean): void {
    const ids = this.q.ofNode.all(nodeId).map((r) => r.metric_id);
    this.q.dropNode.run(nodeId);
    if (!deleteUnused) return;
    let deleted = 0;
    const drop = (id: number | undefined) => {
      if (id === undefined || this.q.used.get(id)) return;
      deleted += this.q.deleteName.run(id).changes;
    };
    for (const id of ids) {
      if (this.q.used.get(id)) continue;
      const name = this.nameOf(id);
      drop(id);
      for (const k of STAT_KEYS) drop(this.q.id.get(`${name}:${k}`)?.id);
    }
    if (deleted > 0) this.reload();
  }

  /** Deletes every name no node uses (after the census, metric-census.ts). Returns how many. */
  sweepUnused(): number {
    const deleted = this.q.sweep.run().changes;
    if (deleted > 0) this.reload();
    return deleted;
  }

  /** The ids under which a bucket of `name` stores its avg, min, max and count (`name`, `name:min`…). */
  statIdsOf(name: string): number[] {
    let ids = this.statIds.get(name);
    if (!ids) this.statIds.set(name, (ids = [this.idOf(name), ...STAT_KEYS.map((k) => this.idOf(`${name}:${k}`))]));
    return ids;
  }

  /** Names added by another connection to the same file are picked up on first sight. */
  nameOf(id: number): string {
    if (!this.nameById.has(id)) this.load();
    return this.nameById.get(id) ?? `unknown.${id}`;
  }

  /** The id of `name` if it has one, without creating it (another connection may have: the table is asked). */
  findId(name: string): number | undefined {
    let id = this.idByName.get(name);
    if (id === undefined) {
      id = this.q.id.get(name)?.id;
      if (id !== undefined) {
        this.idByName.set(name, id);
        this.nameById.set(id, name);
      }
    }
    return id;
  }

  idsOf(names: readonly string[]): number[] {
    let ids = this.idsByNames.get(names);
    if (!ids) {
      const fresh = names.map((name) => this.idOf(name));
      const key = fresh.join(',');
      ids = this.idLists.get(key);
      if (!ids) {
        if (this.idLists.size >= MAX_ID_LISTS) this.idLists.clear();
        this.idLists.set(key, (ids = fresh));
      }
      this.idsByNames.set(names, ids);
    }
    return ids;
  }

  toIds(values: MetricValues): Record<number, number> {
    const out: Record<number, number> = {};
    for (const name in values) out[this.idOf(name)] = values[name]!;
    return out;
  }

  /** `only`: the ids wanted (others are left out), or undefined for all. */
  toNames(values: Record<number, number>, only?: ReadonlySet<number>): MetricValues {
    const out: MetricValues = {};
    for (const id in values) {
      if (only && !only.has(Number(id))) continue;
      out[this.nameOf(Number(id))] = values[id]!;
    }
    return out;
  }
}
