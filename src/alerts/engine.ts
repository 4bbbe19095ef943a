/**
 * @module Runs the rules: threshold rules on every sample as it arrives (O(rules) per sample, no
 * database polling), offline rules on a timer (after a grace period at start for nodes not back
 * yet). Keeps each (rule, node) state in memory and in SQLite, and hands events to the notifier.
 */
import { indexOfNames } from '../protocol/row';
import type { Row } from '../protocol/row';
import type { AlertMessage, Notifier } from '../notify/notifier';
import type { Store } from '../store/store';
import { log } from '../util/log';
import { OK_STATE, step, thresholdConditions } from './evaluate';
import type { AlertEvent, AlertState } from './evaluate';
import { holds as holdsExpr } from './expr';
import type { Vars } from './expr';
import { isSilenced } from './rules';
import type { Rule, Silence, TimedRule } from './rules';

export interface NodeFacts {
  name: string;
  group: string;
  online: boolean;
  lastSeen: number | null;
  cores?: number;
  monthRxBytes?: number;
  monthTxBytes?: number;
  notes?: { expires?: string; trafficLimitBytes?: number } | null;
}

/** Days from `now` to the start of the local date `yyyyMmDd`, rounded up (0 on the day itself). */
function daysLeft(yyyyMmDd: string, now: number): number {
  const [y, m, d] = yyyyMmDd.split('-').map(Number) as [number, number, number];
  return Math.ceil((new Date(y, m - 1, d).getTime() - now) / 86_400_000);
}

/** Whether a timed rule's condition holds for `node` now, and a value for the message; null if it does not apply. */
function timedCondition(rule: TimedRule, node: NodeFacts, now: number): { holds: boolean; value: number | null } | null {
  switch (rule.kind) {
    case 'offline':
      // A node that never reported is waiting for its agent, not down.
      return node.lastSeen === null ? null : { holds: !node.online, value: null };
    case 'traffic': {
      const quota = rule.quotaBytes ?? node.notes?.trafficLimitBytes;
      if (!quota) return null;
      const used = (rule.direction !== 'out' ? (node.monthRxBytes ?? 0) : 0) + (rule.direction !== 'in' ? (node.monthTxBytes ?? 0) : 0);
      const percent = (used / quota) * 100;
      return { holds: percent >= rule.percent, value: Math.round(percent * 10) / 10 };
    }
    case 'expiry': {
      if (!node.notes?.expires) return null;
      const days = daysLeft(node.notes.expires, now);
      return { holds: days <= rule.days, value: days };
    }
  }
}

export interface EngineDeps {
  rules: readonly Rule[];
  store: Store;
  notifier: Notifier;
  node: (id: number) => NodeFacts | undefined;
  /** What rules on samples need of a node, looked up on every sample: cheaper than `node` if given. */
  scope?: (id: number) => NodeScope | undefined;
  nodeIds: () => number[];
  link: (id: number) => string;
  now?: () => number;
  /** Offline rules wait this long after start for nodes that have not reported since, so agents have time to reconnect. */
  offlineGraceMs?: number;
  /** Silences in force: the config's and the admin's (read at each event). */
  silences?: () => readonly Silence[];
}

/** An alert firing now, for GET /api/alerts. */
export interface FiringAlert {
  rule: string;
  nodeId: number;
  severity: Rule['severity'];
  since: number;
  silenced: boolean;
}

/** Alert events are kept this long. */
export const EVENT_RETENTION_MS = 90 * 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;


/** What a rule on samples needs to know of the node: whether it is in scope, and its cores. */
export type NodeScope = Pick<NodeFacts, 'name' | 'group' | 'cores'>;

/** The value in column `i` of the row (-1: the row lacks the metric). */
function valueAt(row: Row, i: number): number | undefined {
  const v = i < 0 ? NaN : row.data[i]!;
  return Number.isNaN(v) ? undefined : v;
}

function inScope(rule: Rule, node: NodeScope): boolean {
  const { groups, nodes } = rule.scope;
  if (groups.length === 0 && nodes.length === 0) return true;
  return groups.includes(node.group) || nodes.includes(node.name);
}

/** What a rule's message says while firing, and once resolved. */
function describe(rule: Rule, value: number | null, firing: boolean): { what: string; resolved: string } {
  switch (rule.kind) {
    case 'threshold':
      return { what: `${rule.metric} ${value} ${firing ? `${rule.op} ${rule.threshold}` : `(threshold ${rule.op} ${rule.threshold})`}`, resolved: `${rule.metric} ${value}` };
    case 'expr':
      return { what: rule.expr.source, resolved: `no longer ${rule.expr.source}` };
    case 'offline':
      return { what: 'offline', resolved: 'back online' };
    case 'traffic':
      return { what: `traffic this period (${rule.direction}) at ${value}% of its quota (alert at ${rule.percent}%)`, resolved: `traffic at ${value}% of its quota` };
    case 'expiry':
      return { what: value !== null && value < 0 ? `expired ${-value} days ago` : `expires in ${value} days`, resolved: 'renewed' };
  }
}

export class AlertEngine {
  /** Rule name -> node -> state, for (rule, node) pairs not ok; looked up per rule on every sample. */
  private readonly states = new Map<string, Map<number, AlertState>>();
  private readonly now: () => number;
  private readonly startedAt: number;
  private readonly offlineGraceMs: number;
  private lastPrune = 0;
  /**
   * Nodes that sent a live sample since start. The grace after start is for the others, whose agents
   * may not have reconnected yet; a node that came back and then died is judged at once.
   */
  private readonly reportedSinceStart = new Set<number>();

  /** The metrics expression rules read, and the one object their values are put in for each sample. */
  private readonly exprMetrics: string[];
  private readonly vars: Vars = {};
  /** Per names array (one per agent connection): the column of each expression metric and of each threshold rule's metric. */
  private readonly columns = new WeakMap<readonly string[], { expr: number[]; rules: number[] }>();

  constructor(private readonly deps: EngineDeps) {
    this.exprMetrics = [...new Set(deps.rules.flatMap((r) => (r.kind === 'expr' ? [...r.expr.metrics, ...(r.recover?.metrics ?? [])] : [])))];
    this.now = deps.now ?? Date.now;
    this.startedAt = this.now();
    this.offlineGraceMs = deps.offlineGraceMs ?? 60_000;
    const known = new Set(deps.rules.map((r) => r.name));
    for (const { rule, nodeId, state } of deps.store.alertStates()) {
      if (known.has(rule)) this.setState(rule, nodeId, JSON.parse(state) as AlertState);
      else deps.store.putAlertState(rule, nodeId, null); // the rule was removed from the config
    }
  }


  onSample(nodeId: number, row: Row): void {
    const scope = (this.deps.scope ?? this.deps.node)(nodeId);
    if (!scope) return;
    const now = this.now();
    if (now - this.startedAt < this.offlineGraceMs) this.reportedSinceStart.add(nodeId);
    const columns = this.columnsOf(row.names);
    let varsFilled = false;
    for (let r = 0; r < this.deps.rules.length; r++) {
      const rule = this.deps.rules[r]!;
      if (rule.kind === 'offline' || rule.kind === 'traffic' || rule.kind === 'expiry' || !inScope(rule, scope)) continue;
      if (rule.kind === 'expr') {
        if (!varsFilled) {
          // Every metric any expression reads, once per sample for all of them.
          for (let i = 0; i < this.exprMetrics.length; i++) this.vars[this.exprMetrics[i]!] = valueAt(row, columns.expr[i]!);
          this.vars.cores = scope.cores;
          varsFilled = true;
        }
        const holdsNow = holdsExpr(rule.expr, this.vars);
        if (holdsNow === null) continue; // a metric it needs is missing from this sample
        const recovered = rule.recover ? holdsExpr(rule.recover, this.vars) === true : !holdsNow;
        this.advance(rule, nodeId, null, step(rule, this.state(rule, nodeId), holdsNow, recovered, now), null);
        continue;
      }
      const value = valueAt(row, columns.rules[r]!);
      if (value === undefined) continue;
      const { holds, recovered } = thresholdConditions(rule, value);
      this.advance(rule, nodeId, null, step(rule, this.state(rule, nodeId), holds, recovered, now), value);
    }
  }

  private columnsOf(names: readonly string[]): { expr: number[]; rules: number[] } {
    let columns = this.columns.get(names);
    if (!columns) {
      const index = indexOfNames(names);
      const at = (metric: string) => index.get(metric) ?? -1;
      columns = { expr: this.exprMetrics.map(at), rules: this.deps.rules.map((rule) => (rule.kind === 'threshold' ? at(rule.metric) : -1)) };
      this.columns.set(names, columns);
    }
    return columns;
  }

  /** Alerts firing now, oldest first. */
  firing(): FiringAlert[] {
    const byName = new Map(this.deps.rules.map((r) => [r.name, r]));
    const now = this.now();
    const out: FiringAlert[] = [];
    for (const [name, byNode] of this.states) {
      for (const [nodeId, state] of byNode) {
        if (state.status !== 'firing') continue;
        const rule = byName.get(name);
        const node = this.deps.node(nodeId);
        if (!rule || !node) continue;
        out.push({ rule: name, nodeId, severity: rule.severity, since: state.since, silenced: isSilenced(this.deps.silences?.() ?? [], name, node.name, now) });
      }
    }
    return out.sort((a, b) => a.since - b.since);
  }

  /** Offline, traffic and expiry rules, and pruning old events; call every few seconds. */
  tick(): void {
    const now = this.now();
    if (now - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now;
      try {
        this.deps.store.pruneAlertEvents(now - EVENT_RETENTION_MS);
      } catch (err) {
        log.error('cannot prune alert events', { code: 'PROBE_ERR_STORE', error: (err as Error).message });
      }
    }
    const inGrace = now - this.startedAt < this.offlineGraceMs;
    if (!inGrace) this.reportedSinceStart.clear();
    for (const rule of this.deps.rules) {
      if (rule.kind !== 'offline' && rule.kind !== 'traffic' && rule.kind !== 'expiry') continue;
      for (const nodeId of this.deps.nodeIds()) {
        if (inGrace && !this.reportedSinceStart.has(nodeId)) continue;
        const node = this.deps.node(nodeId);
        if (!node || !inScope(rule, node)) continue;
        const condition = timedCondition(rule, node, now);
        if (!condition) continue;
        const since = rule.kind === 'offline' ? (node.lastSeen ?? now) : now;
        this.advance(rule, nodeId, node, step(rule, this.state(rule, nodeId), condition.holds, !condition.holds, now, since), condition.value);
      }
    }
  }

  private state(rule: Rule, nodeId: number): AlertState {
    return this.states.get(rule.name)?.get(nodeId) ?? OK_STATE;
  }

  private setState(rule: string, nodeId: number, state: AlertState): void {
    let byNode = this.states.get(rule);
    if (!byNode) this.states.set(rule, (byNode = new Map()));
    if (state.status === 'ok') byNode.delete(nodeId);
    else byNode.set(nodeId, state);
  }

  /** `known`: the node's facts if the caller has them (they are looked up only for an event). */
  private advance(rule: Rule, nodeId: number, known: NodeFacts | null, result: { state: AlertState; event: AlertEvent | null }, value: number | null): void {
    if (result.state !== this.state(rule, nodeId)) {
      this.setState(rule.name, nodeId, result.state);
      try {
        this.deps.store.putAlertState(rule.name, nodeId, result.state.status === 'ok' ? null : JSON.stringify(result.state));
      } catch (err) {
        log.error('cannot save alert state', { code: 'PROBE_ERR_STORE', rule: rule.name, error: (err as Error).message });
      }
    }
    if (!result.event) return;
    const node = known ?? this.deps.node(nodeId);
    if (!node) return;
    const message = this.message(rule, nodeId, node, result.event, value);
    const now = this.now();
    const silenced = isSilenced(this.deps.silences?.() ?? [], rule.name, node.name, now);
    log.info(`alert ${result.event.state}`, { rule: rule.name, node: node.name, value: value ?? undefined, silenced: silenced || undefined });
    if (!result.event.repeat) {
      try {
        this.deps.store.addAlertEvent({ ts: now, rule: rule.name, nodeId, state: result.event.state, severity: rule.severity, value, text: message.text, silenced });
      } catch (err) {
        log.error('cannot save alert event', { code: 'PROBE_ERR_STORE', rule: rule.name, error: (err as Error).message });
      }
    }
    if (!silenced) this.deps.notifier.dispatch(rule.notify, message);
  }

  private message(rule: Rule, nodeId: number, node: NodeFacts, event: AlertEvent, value: number | null): AlertMessage {
    const since = new Date(event.since).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
    const { what, resolved } = describe(rule, value, event.state === 'firing');
    const text =
      event.state === 'firing'
        ? `[${rule.severity}] ${rule.name} on ${node.name}: ${what} since ${since}${event.repeat ? ' (still firing)' : ''}`
        : `[resolved] ${rule.name} on ${node.name}: ${resolved} (since ${since})`;
    return {
      rule: rule.name,
      node: node.name,
      group: node.group,
      state: event.state,
      severity: rule.severity,
      value,
      metric: rule.kind === 'threshold' ? rule.metric : null,
      since: event.since,
      link: this.deps.link(nodeId),
      text,
    };
  }
}
