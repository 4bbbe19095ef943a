/**
 * @module The variables rules on samples read, filled from each sample's row into one object that
 * is reused for every sample (no allocation per sample).
 */
import { indexOfNames } from '../protocol/row';
import type { Row } from '../protocol/row';
import type { Vars } from './expr';

/** The value in column `i` of the row (-1: the row lacks the metric). */
function valueAt(row: Row, i: number): number | undefined {
  const v = i < 0 ? NaN : row.data[i]!;
  return Number.isNaN(v) ? undefined : v;
}

export class SampleVars {
  private readonly vars: Vars = {};
  /** Per names array (one per agent connection): the column of each of `metrics`. */
  private readonly columns = new WeakMap<readonly string[], number[]>();

  /** `metrics`: every metric any rule on samples reads. */
  constructor(private readonly metrics: readonly string[]) {}

  /** The values of the metrics in `row`, and the node's `cores`; valid until the next call. */
  fill(row: Row, cores: number | undefined): Vars {
    const columns = this.columnsOf(row.names);
    for (let i = 0; i < this.metrics.length; i++) this.vars[this.metrics[i]!] = valueAt(row, columns[i]!);
    this.vars.cores = cores;
    return this.vars;
  }

  private columnsOf(names: readonly string[]): number[] {
    let columns = this.columns.get(names);
    if (!columns) {
      const index = indexOfNames(names);
      columns = this.metrics.map((metric) => index.get(metric) ?? -1);
      this.columns.set(names, columns);
    }
    return columns;
  }
}
