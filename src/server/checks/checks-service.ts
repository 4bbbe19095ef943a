/**
 * @module The server's service checks: runs the config's `checks` on their intervals
 * (CheckRunner), writes each result to the check's series (up, latency_ms, cert_days), keeps the
 * latest in memory for GET /api/checks and hands it to the alert engine; answers the list, with
 * uptime (check-stats.ts), and each check's history, each for its audience; the checks nodes
 * run themselves (node-checks.ts) are listed after the server's.
 */
import type { Check } from '../../checks/checks';
import { runCheck } from '../../checks/checks';
import type { CheckResult } from '../../checks/check';
import { CheckRunner } from '../../checks/runner';
import type { CheckView, ChecksAnswer } from '../../protocol/checks';
import { CHECK_METRICS } from '../../protocol/checks';
import type { HistoryAnswer } from '../../protocol/history';
import type { CheckRecord, IncomingSample, Store } from '../../store/store';
import type { Retention } from '../../store/tiers';
import type { AlertEngine } from '../../alerts/engine';
import type { Clock } from '../../util/clock';
import { log } from '../../util/log';
import type { UptimeStats } from './check-stats';
import { uptimeStats } from './check-stats';
import { parseHistoryQuery, readHistory } from '../http/history';
import type { Audience } from '../fleet/hub';
import type { Row } from '../../protocol/row';
import { NodeChecks } from './node-checks';
import type { NodeChecksDeps } from './node-checks';

type NodeChecksHub = NodeChecksDeps['hub'];
import type { IngestQueue } from '../agents/ingest-queue';

const DAY = 86_400_000;
/** Uptime figures are kept this long at most, and recomputed once a new result is stored (they read up to 90 days of buckets). */
const STATS_TTL_MS = 30_000;

export interface CheckServiceDeps {
  checks: readonly Check[];
  store: Store;
  /** Queues a result's sample for the database (the ingest queue: one writer, batched); `committed` once it is stored. */
  write: (sample: IncomingSample, committed: () => void) => void;
  clock: Clock;
  /** Each result as it comes (the alert engine). */
  onResult?: (check: Check, record: CheckRecord, result: CheckResult) => void;
  /** Runs one check once; `runCheck` unless a test gives another. */
  run?: typeof runCheck;
  concurrency?: number;
  /** The checks nodes run themselves, if any are to be listed. */
  nodes?: NodeChecks;
}

interface Entry {
  check: Check;
  record: CheckRecord;
  latest: CheckResult | null;
  /** Metric names already recorded for the check's series. */
  names: Set<string>;
  stats: { at: number; value: UptimeStats } | null;
}

/** What a check connects to, as an admin reads it. */
export function targetOf(check: Check): string {
  switch (check.type) {
    case 'http':
    case 'https':
      return check.url;
    case 'tcp':
      return `${check.host.includes(':') ? `[${check.host}]` : check.host}:${check.port}`;
    case 'icmp':
      return check.host;
    case 'dns':
      return `${check.record} ${check.host}${check.resolver ? ` @${check.resolver}` : ''}`;
  }
}

export class CheckService {
  private readonly entries: Entry[];
  private readonly byName = new Map<string, Entry>();
  private readonly runner: CheckRunner<Check>;
  private seq = 0;

  constructor(private readonly deps: CheckServiceDeps) {
    const now = deps.clock.now();
    const records = deps.store.ensureChecks(
      deps.checks.map((c) => c.name),
      now,
    );
    this.entries = deps.checks.map((check, i) => {
      const record = records[i]!;
      const entry: Entry = {
        check,
        record,
        latest: this.restore(record, check, now),
        names: new Set(deps.store.metricNames(record.seriesId)),
        stats: null,
      };
      this.byName.set(check.name, entry);
      return entry;
    });
    this.runner = new CheckRunner(deps.checks, {
      clock: deps.clock,
      run: deps.run ?? runCheck,
      onResult: (check, result) => this.record(check, result),
      concurrency: deps.concurrency,
    });
  }

  start(): void {
    this.runner.start();
  }

  stop(): Promise<void> {
    return this.runner.stop();
  }

  /** The latest stored result, so the page shows a state right after a restart. */
  private restore(record: CheckRecord, check: Check, now: number): CheckResult | null {
    const last = this.deps.store
      .samples(record.seriesId, now - Math.max(3 * check.intervalMs, 5 * 60_000), now + 1, [...CHECK_METRICS])
      .at(-1);
    if (!last || last.values.up === undefined) return null;
    const certDays = last.values.cert_days;
    return {
      ts: last.ts,
      up: last.values.up === 1,
      latencyMs: last.values.latency_ms ?? null,
      ...(certDays !== undefined && { cert: { expiresAt: Math.round(last.ts + certDays * DAY), issuer: '', verified: false } }),
    };
  }

  private record(check: Check, result: CheckResult): void {
    const entry = this.byName.get(check.name)!;
    entry.latest = result;
    const values: Record<string, number> = { up: result.up ? 1 : 0 };
    if (result.latencyMs !== null) values.latency_ms = result.latencyMs;
    if (result.cert) values.cert_days = Math.round(((result.cert.expiresAt - result.ts) / DAY) * 1000) / 1000;
    const names = Object.keys(values);
    const newNames = names.filter((n) => !entry.names.has(n));
    for (const n of newNames) entry.names.add(n);
    const sample = {
      nodeId: entry.record.seriesId,
      seq: ++this.seq,
      ts: result.ts,
      row: { names, data: names.map((n) => values[n]!) },
      ...(newNames.length > 0 && { newNames }),
    };
    this.deps.write(sample, () => (entry.stats = null));
    this.deps.onResult?.(check, entry.record, result);
  }

  private stats(entry: Entry, now: number): UptimeStats {
    if (!entry.stats || now - entry.stats.at >= STATS_TTL_MS || now < entry.stats.at)
      entry.stats = { at: now, value: uptimeStats(this.deps.store, entry.record.seriesId, now) };
    return entry.stats.value;
  }

  private view(entry: Entry, audience: Audience, now: number): CheckView {
    const { check, record, latest } = entry;
    const view: CheckView = {
      id: record.id,
      name: check.name,
      group: check.group ?? '',
      type: check.type,
      intervalMs: check.intervalMs,
      up: latest ? latest.up : null,
      latencyMs: latest?.latencyMs ?? null,
      checkedAt: latest?.ts ?? null,
      ...(latest?.cert && { certExpiresAt: latest.cert.expiresAt }),
      ...this.stats(entry, now),
    };
    if (audience !== 'admin') return view;
    return {
      ...view,
      target: targetOf(check),
      hidden: check.hidden,
      ...(latest?.error && { error: latest.error }),
      ...(latest?.cert?.issuer && { certIssuer: latest.cert.issuer, certVerified: latest.cert.verified }),
    };
  }

  /** A node's live sample: the results of the checks it runs itself. */
  onSample(nodeId: number, row: Row): void {
    this.deps.nodes?.onSample(nodeId, row);
  }

  /** GET /api/checks: the checks `audience` may see, the server's in the config's order, then the nodes'. */
  list(audience: Audience): ChecksAnswer {
    const now = this.deps.clock.now();
    const own = this.entries.filter((e) => audience === 'admin' || !e.check.hidden).map((e) => this.view(e, audience, now));
    return { checks: [...own, ...(this.deps.nodes?.list(audience) ?? [])] };
  }

  /** GET /api/checks/:id/history, shaped like a node's; null for a check `audience` may not see (or none). */
  history(id: number, params: URLSearchParams, audience: Audience, retention: Retention): HistoryAnswer | null {
    const entry = this.entries.find((e) => e.record.id === id);
    if (!entry) return this.deps.nodes?.history(id, params, audience, retention) ?? null;
    if (entry.check.hidden && audience !== 'admin') return null;
    const now = this.deps.clock.now();
    const query = parseHistoryQuery(new URLSearchParams([...params].filter(([k]) => k !== 'metrics')), now);
    return readHistory(this.deps.store, entry.record.seriesId, { ...query, metrics: [...CHECK_METRICS] }, now, retention);
  }
}

/**
 * The server's checks: results queued with the agents' samples, judged by the alert engine; `link`
 * is the page's services section. With `hub`, also the checks nodes run themselves.
 */
export function serverChecks(
  checks: readonly Check[],
  store: Store,
  queue: Pick<IngestQueue, 'push'>,
  alerts: Pick<AlertEngine, 'onCheck'>,
  clock: Clock,
  link: () => string,
  hub?: NodeChecksHub,
): CheckService {
  return new CheckService({
    checks,
    store,
    clock,
    ...(hub && { nodes: new NodeChecks({ store, hub, clock, onResult: (subjectId, facts) => alerts.onCheck(subjectId, facts, link()) }) }),
    write(sample, committed) {
      // A full queue (the database far behind) costs this one result.
      if (!queue.push(sample, committed)) log.warn('check result not stored: the database is behind', { series: sample.nodeId });
    },
    onResult: (check, record, r) =>
      alerts.onCheck(
        record.seriesId,
        {
          name: check.name,
          group: check.group ?? '',
          up: r.up,
          latencyMs: r.latencyMs,
          ...(r.error && { error: r.error }),
          ...(r.cert && { certExpiresAt: r.cert.expiresAt }),
        },
        link(),
      ),
  });
}
