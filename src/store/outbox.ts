/**
 * @module The remote-write outbox (migration 13): samples stored for the first time, one row per
 * ingest flush in the journal's format, kept until every remote-write target has sent them, and
 * each target's cursor. Rows are numbered in commit order, so a backfilled sample gets a row after
 * the cursor like a live one: nothing stored is skipped, whatever its timestamp.
 */
import type Database from 'better-sqlite3';
import { decodeJournal } from './journal';
import type { MetricNames } from './metric-names';
import type { OutboxBacklog, OutboxCursor, OutboxStore } from './store';

export class Outbox implements OutboxStore {
  private readonly q;

  constructor(
    db: Database.Database,
    private readonly names: MetricNames,
    /**
     * Whether rows are written (the server, with some target configured). A CLI command opening the
     * same file leaves the outbox as it is: only the server's keepTargets changes it.
     */
    readonly enabled: boolean,
  ) {
    this.q = {
      add: db.prepare('INSERT INTO remote_outbox (at, samples, data) VALUES (?, ?, ?)'),
      rows: db.prepare<[number, number, number], { id: number; data: Buffer }>(
        'SELECT id, data FROM remote_outbox WHERE id > ? AND id <= ? ORDER BY id LIMIT ?',
      ),
      window: db.prepare<[number, number], { id: number; samples: number }>(
        'SELECT id, samples FROM remote_outbox WHERE id > ? ORDER BY id LIMIT ?',
      ),
      backlog: db.prepare<[number], { rows: number; samples: number | null; oldest: number | null }>(
        'SELECT count(*) AS rows, sum(samples) AS samples, min(at) AS oldest FROM remote_outbox WHERE id > ?',
      ),
      head: db.prepare<[], { id: number | null }>("SELECT seq AS id FROM sqlite_sequence WHERE name = 'remote_outbox'"),
      cursor: db.prepare<[string], { after_id: number; to_id: number; requests_done: number }>(
        'SELECT after_id, to_id, requests_done FROM remote_cursor WHERE target = ?',
      ),
      putCursor: db.prepare('INSERT OR REPLACE INTO remote_cursor (target, after_id, to_id, requests_done) VALUES (?, ?, ?, ?)'),
      dropCursors: db.prepare('DELETE FROM remote_cursor WHERE target NOT IN (SELECT value FROM json_each(?))'),
      low: db.prepare<[], { low: number | null }>('SELECT min(after_id) AS low FROM remote_cursor'),
      trim: db.prepare('DELETE FROM remote_outbox WHERE id <= ?'),
    };
    this.saveCursor = db.transaction((target: string, cursor: OutboxCursor) => {
      this.q.putCursor.run(target, cursor.afterId, cursor.toId, cursor.requestsDone);
      const low = this.q.low.get()?.low;
      if (low !== null && low !== undefined) this.q.trim.run(low);
    }).immediate;
    this.keepTargets = db.transaction((targets: readonly string[]) => {
      this.q.dropCursors.run(JSON.stringify(targets));
      for (const t of targets) if (!this.q.cursor.get(t)) this.q.putCursor.run(t, this.head(), this.head(), 0);
      // Without targets nobody will send a row: all go.
      const low = targets.length === 0 ? Number.MAX_SAFE_INTEGER : this.q.low.get()?.low;
      if (low !== null && low !== undefined) this.q.trim.run(low);
    }).immediate;
  }

  /** Call inside the ingest transaction: one row of `samples` samples (journal format 3). */
  add(at: number, samples: number, data: Buffer): void {
    this.q.add.run(at, samples, data);
  }

  /** The id of the newest row ever written (0 before the first). */
  private head(): number {
    return this.q.head.get()?.id ?? 0;
  }

  readonly keepTargets: (targets: readonly string[]) => void;
  readonly saveCursor: (target: string, cursor: OutboxCursor) => void;

  cursor(target: string): OutboxCursor {
    const row = this.q.cursor.get(target);
    if (!row) return { afterId: this.head(), toId: this.head(), requestsDone: 0 };
    return { afterId: row.after_id, toId: row.to_id, requestsDone: row.requests_done };
  }

  /** The last row id of a window after `afterId` of at most `maxRows` rows and about `maxSamples` samples; afterId when empty. */
  windowEnd(afterId: number, maxRows: number, maxSamples: number): number {
    let end = afterId;
    let samples = 0;
    for (const row of this.q.window.iterate(afterId, maxRows)) {
      if (samples > 0 && samples + row.samples > maxSamples) break;
      end = row.id;
      samples += row.samples;
    }
    return end;
  }

  /**
   * Every sample of at most `maxRows` rows in (afterId, toId], in row order, with metric ids (nameOf
   * names them). Returns the id of the last row read (afterId when none was).
   */
  read(
    afterId: number,
    toId: number,
    maxRows: number,
    onSample: (nodeId: number, ts: number, ids: readonly number[], values: number[]) => void,
  ): number {
    let last = afterId;
    for (const row of this.q.rows.iterate(afterId, toId, maxRows)) {
      decodeJournal(row.data, (nodeId, _seq, ts, ids, values) => onSample(nodeId, ts, ids, values));
      last = row.id;
    }
    return last;
  }

  nameOf(id: number): string {
    return this.names.nameOf(id);
  }

  backlog(afterId: number): OutboxBacklog {
    const row = this.q.backlog.get(afterId);
    return { rows: row?.rows ?? 0, samples: row?.samples ?? 0, oldestAt: row?.oldest ?? null };
  }
}
