/**
 * @module Metric names as small integer ids (the `metric_names` table): blocks and journal rows
 * store ids, not names. Ids are looked up once per name, and a row's names once per names array.
 */
import type Database from 'better-sqlite3';
import type { MetricValues } from '../protocol/metrics';

const STAT_KEYS = ['min', 'max', 'n'] as const;

export class MetricNames {
  private readonly q;
  private readonly idByName = new Map<string, number>();
  private readonly nameById = new Map<number, string>();
  private readonly statIds = new Map<string, number[]>();
  /**
   * Metric ids of a row's names, worked out once per names array (once per agent connection);
   * the same list of ids is the same array, however many connections send it.
   */
  private readonly idsByNames = new WeakMap<readonly string[], number[]>();
  private readonly idLists = new Map<string, number[]>();

  constructor(db: Database.Database) {
    this.q = {
      all: db.prepare<[], { id: number; name: string }>('SELECT id, name FROM metric_names'),
      add: db.prepare('INSERT OR IGNORE INTO metric_names (name) VALUES (?)'),
      id: db.prepare<[string], { id: number }>('SELECT id FROM metric_names WHERE name = ?'),
    };
    this.load();
  }

  private load(): void {
    for (const { id, name } of this.q.all.all()) {
      this.idByName.set(name, id);
      this.nameById.set(id, name);
    }
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

  idsOf(names: readonly string[]): number[] {
    let ids = this.idsByNames.get(names);
    if (!ids) {
      const fresh = names.map((name) => this.idOf(name));
      const key = fresh.join(',');
      ids = this.idLists.get(key);
      if (!ids) this.idLists.set(key, (ids = fresh));
      this.idsByNames.set(names, ids);
    }
    return ids;
  }

  toIds(values: MetricValues): Record<number, number> {
    const out: Record<number, number> = {};
    for (const name in values) out[this.idOf(name)] = values[name]!;
    return out;
  }

  toNames(values: Record<number, number>): MetricValues {
    const out: MetricValues = {};
    for (const id in values) out[this.nameOf(Number(id))] = values[id]!;
    return out;
  }
}
