/**
 * @module A sample's values as numbers aligned with a list of metric names, NaN where absent: the
 * form samples take on the server's ingest path. An object per sample keyed by ~40 names made
 * every step (parse, hub, store, alerts, live feed) a megamorphic property lookup and left garbage;
 * a row is read by index, and `names` is the same array for every sample of a connection, so each
 * step works out what it needs per name once per connection. Imports nothing but types.
 */
import type { MetricValues } from './metrics';

export interface Row {
  /** Shared by all rows of one connection (hello's metrics): compare by identity to reuse lookups. */
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
