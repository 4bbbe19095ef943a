/**
 * @module Where the history API reads from with `history.read` set: the TSDB for what it has, the
 * local store for the buckets `from` and `to` cut and those ending within `settle` of now (remote
 * write sends a few seconds behind; VictoriaMetrics repeats a point over its last 30 s),
 * and the local store alone when the TSDB fails: the answer is never an error of its own. A
 * failure is logged once per spell (PROBE_ERR_HISTORY_READ), again when the TSDB answers, and
 * shown to admins on /healthz.
 */
import type { HistoryReadTarget } from '../../config/remote-write';
import type { HistoryAnswer } from '../../protocol/history';
import type { Row } from '../../protocol/row';
import type { Store } from '../../store/store';
import type { Retention } from '../../store/tiers';
import { ProbeError } from '../../util/errors';
import { log } from '../../util/log';
import type { HistoryQuery } from '../http/history';
import { historyAnswer, localBuckets, planHistory } from '../http/history';
import { tsdbBuckets } from './history-read';

export class HistorySource {
  /** Queries the TSDB did not answer usefully since the start. */
  private failures = 0;
  private failing = false;

  constructor(
    private readonly target: HistoryReadTarget,
    private readonly store: Store,
  ) {}

  /** The node's history; `nodeName` is the `node` label its series carry. */
  async read(
    nodeId: number,
    nodeName: string,
    query: HistoryQuery,
    now: number,
    retention: Retention,
    live: Row | null,
  ): Promise<HistoryAnswer> {
    const plan = planHistory(query, now, retention, live);
    const { stepMs } = plan;
    // Whole buckets inside [from, to) that ended `settle` ago from the TSDB; the partial ones at the
    // edges, cut at from and to, and the newest from here.
    const first = Math.ceil(query.from / stepMs) * stepMs;
    const last = Math.min(Math.floor(query.to / stepMs), Math.floor((now - this.target.settleMs) / stepMs)) * stepMs;
    try {
      const remote =
        first < last ? await tsdbBuckets(this.target, nodeName, plan.wanted, query.stat, { start: first, end: last, stepMs }) : [];
      this.recovered();
      const head = query.from < first ? localBuckets(this.store, nodeId, query.from, Math.min(first, query.to), plan) : [];
      // Buckets after the newest the TSDB has are read here: remote write sends a few seconds behind.
      const after = Math.max(first, remote.length > 0 ? remote.at(-1)!.ts + stepMs : first);
      const tail = after < query.to ? localBuckets(this.store, nodeId, after, query.to, plan) : [];
      return historyAnswer(query, plan, [...head, ...remote, ...tail]);
    } catch (err) {
      if (!(err instanceof ProbeError)) throw err;
      this.failed(err);
      return historyAnswer(query, plan, localBuckets(this.store, nodeId, query.from, query.to, plan));
    }
  }

  /** /healthz's figures for admins. */
  health(): Record<string, number | string> {
    return { historyRead: this.failing ? 'PROBE_ERR_HISTORY_READ' : 'ok', historyReadFailures: this.failures };
  }

  private failed(err: ProbeError): void {
    this.failures++;
    if (this.failing) return;
    this.failing = true;
    log.warn('cannot read history from the TSDB; answering from local storage', {
      code: err.code,
      url: this.target.url,
      error: err.message,
    });
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    log.info('history is read from the TSDB again', { url: this.target.url });
  }
}
