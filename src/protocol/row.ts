/**
 * @module A sample's values as numbers aligned with a list of metric names, NaN where absent: the
 * form samples take on the server's ingest path. An object per sample keyed by ~40 names made
 * every step (parse, hub, store, alerts, live feed) a megamorphic property lookup and left garbage;
 * a row is read by index, and `names` is the same array for every sample of a connection, so each
 * step works out what it needs per name once per connection. Imports nothing but types.
 */
import type { MetricValues } from './metrics';

export interface Row {
  /**
   * Shared by all rows of one connection (hello's metrics), and by connections with the same
   * metrics (NamesPool): compare by identity to reuse lookups.
   */
  readonly names: readonly string[];
  /** data[i] is the value of names[i]; NaN when the sample lacks it. */
  readonly data: ArrayLike<number>;
}

/** The row as an object of name -> value (absent values left out), for cold paths and tests. */
export function rowValues(row: Row): MetricValues {
  const out: MetricValues = {};
  for (let i = 0; i < row.names.length; i++) {
    const v = row.data[i]!;
    if (!Number.isNaN(v)) out[row.names[i]!] = v;
  }
  return out;
}

/** A row holding `values` (its own names array, so nothing is shared with other rows). */
export function valuesRow(values: MetricValues): Row {
  const names = Object.keys(values);
  return { names, data: names.map((name) => values[name]!) };
}

const indexes = new WeakMap<readonly string[], Map<string, number>>();

/** Where each name sits in `names`, worked out once per names array. */
export function indexOfNames(names: readonly string[]): ReadonlyMap<string, number> {
  let map = indexes.get(names);
  if (!map) {
    map = new Map(names.map((name, i) => [name, i]));
    indexes.set(names, map);
  }
  return map;
}

/**
 * One array for every connection that says hello with the same metric list (agents of one version
 * on like machines do): each sample's row refers to it, and what is worked out once per list (the
 * live feed's JSON keys, alert columns, stored metric ids) is then worked out once for them all.
 * At 10 000 agents, a list per connection held 390 000 strings and as many keys made of them.
 * Holds at most `max` lists; past that it starts over (lists handed out stay valid).
 */
export class NamesPool {
  private readonly lists = new Map<string, string[]>();

  constructor(private readonly max = 1024) {}

  intern(names: string[]): string[] {
    const key = JSON.stringify(names);
    const known = this.lists.get(key);
    if (known) return known;
    if (this.lists.size >= this.max) this.lists.clear();
    this.lists.set(key, names);
    return names;
  }
}
