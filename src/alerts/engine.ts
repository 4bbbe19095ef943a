/**
 * @module Runs the rules: sample kinds (threshold, expr) on every sample as it arrives (O(rules) per
 * sample, no database polling), timer kinds (offline, traffic, expiry, forecast) on a timer (offline after a
 * grace period at start for nodes not back yet), check kinds (check, cert) on every check result.
 * Keeps each (rule, subject) state in memory and in SQLite, and hands events to the notifier; a
 * subject is a node (its id) or a check (the id of its series, which never collides with a node's).
 */
import type { Row } from '../protocol/row';
import type { Notifier } from '../notify/notifier';
import type { ForecastItem } from '../protocol/forecast';
import type { AlertEventRecord, AlertStore, ClaimedFiring } from '../store/store';
import { systemClock } from '../util/clock';
import type { Clock, Timer } from '../util/clock';
import { log } from '../util/log';
import { alertMessage } from './alert-message';
import type { Subject } from './alert-message';
import { OK_STATE, step } from './evaluate';
import type { AlertEvent, AlertState } from './evaluate';
import type { Vars } from './expr';
import { kindOf } from './kinds/index';
import type { Rule } from './kinds/index';
import type { CheckFacts, CheckKind, NodeFacts, SampleKind, TimerKind } from './kinds/kind';
import { SampleVars } from './sample-vars';
import { isSilenced } from './silences';
import type { Silence } from './silences';

export type { NodeFacts } from './kinds/kind';

export interface EngineDeps {
  /** The rules at start; `setRules` replaces them while running (the admin's changes). */
  rules: readonly Rule[];
  store: AlertStore;
  notifier: Notifier;
  node: (id: number) => NodeFacts | undefined;
  /** What rules on samples need of a node, looked up on every sample: cheaper than `node` if given. */
  scope?: (id: number) => NodeScope | undefined;
  nodeIds: () => number[];
  link: (id: number) => string;
  /** The system clock unless a test moves time by hand. */
  clock?: Clock;
  /** Offline rules wait this long after start for nodes that have not reported since, so agents have time to reconnect. */
  offlineGraceMs?: number;
  /** Silences in force: the config's and the admin's (read at each event). */
  silences?: () => readonly Silence[];
  /** A node's forecasts for `forecast` rules (null while not known). */
  forecasts?: (id: number) => readonly ForecastItem[] | null;
  /**
   * Several servers (store.postgres): resolves true if this server is the one to send the event's
   * notification (src/store/pg-cluster.ts). Without it every event is sent.
   */
  claim?: (rule: string, nodeId: number, state: 'firing' | 'resolved', repeat: boolean, at: number) => Promise<boolean>;
  /**
   * Several servers: what fires across them (every claimed event's last state, pg-cluster.ts), for
   * the firing list, so every server lists the alerts of nodes whose agent is on another; null while
   * not known (PostgreSQL lost): then this server's own states.
   */
  firingAcross?: () => readonly ClaimedFiring[] | null;
  /**
   * Several servers: the rules the claims say fire for a node (undefined while not known). A node
   * reporting here whose rule is ok here but firing by the claims (another server judged it firing,
   * then lost its agent) is resolved from here, so no alert stays firing with no server to end it.
   */
  claimedFiring?: (nodeId: number) => ReadonlyMap<string, number> | undefined;
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

function inScope(rule: Rule, node: NodeScope): boolean {
  const { groups, nodes } = rule.scope;
  if (groups.length === 0 && nodes.length === 0) return true;
  return groups.includes(node.group) || nodes.includes(node.name);
}

export class AlertEngine {
  /** Rule name -> node -> state, for (rule, node) pairs not ok; looked up per rule on every sample. */
  private readonly states = new Map<string, Map<number, AlertState>>();
  private readonly clock: Clock;
  private readonly startedAt: number;
  private readonly offlineGraceMs: number;
  private lastPrune = 0;
  /**
   * Nodes that sent a live sample since start. The grace after start is for the others, whose agents
   * may not have reconnected yet; a node that came back and then died is judged at once.
   */
  private readonly reportedSinceStart = new Set<number>();
  private rules: readonly Rule[] = [];
  private onSamples: { rule: Rule; kind: SampleKind<Rule> }[] = [];
  private onTimer: { rule: Rule; kind: TimerKind<Rule> }[] = [];
  private onChecks: { rule: Rule; kind: CheckKind<Rule> }[] = [];

  /** The metrics rules on samples read, and the one object their values are put in for each sample. */
  private vars = new SampleVars([]);

  constructor(private readonly deps: EngineDeps) {
    this.clock = deps.clock ?? systemClock;
    this.startedAt = this.clock.now();
    this.offlineGraceMs = deps.offlineGraceMs ?? 60_000;
    for (const { rule, nodeId, state } of deps.store.alertStates()) this.setState(rule, nodeId, JSON.parse(state) as AlertState);
    this.setRules(deps.rules);
  }

  /**
   * Runs `rules` from now on. States of rules that stay (by name) are kept; those of rules gone
   * (removed or disabled) are dropped, in memory and in the store, without a notification.
   */
  setRules(rules: readonly Rule[]): void {
    this.rules = rules;
    this.onSamples = [];
    this.onTimer = [];
    this.onChecks = [];
    for (const rule of rules) {
      const kind = kindOf(rule);
      if (kind.on === 'sample') this.onSamples.push({ rule, kind });
      else if (kind.on === 'check') this.onChecks.push({ rule, kind });
      else this.onTimer.push({ rule, kind });
    }
    this.vars = new SampleVars([...new Set(this.onSamples.flatMap(({ rule, kind }) => kind.reads(rule)))]);
    const known = new Set(rules.map((r) => r.name));
    for (const [name, byNode] of this.states) {
      if (known.has(name)) continue;
      for (const nodeId of byNode.keys()) this.deps.store.putAlertState(name, nodeId, null);
      this.states.delete(name);
    }
  }

  onSample(nodeId: number, row: Row): void {
    const scope = (this.deps.scope ?? this.deps.node)(nodeId);
    if (!scope) return;
    const now = this.clock.now();
    if (now - this.startedAt < this.offlineGraceMs) this.reportedSinceStart.add(nodeId);
    let vars: Vars | null = null;
    const claimed = this.deps.claimedFiring?.(nodeId);
    for (const { rule, kind } of this.onSamples) {
      if (!inScope(rule, scope)) continue;
      // Every metric any rule reads, once per sample for all of them.
      vars ??= this.vars.fill(row, scope.cores);
      const condition = kind.evaluate(rule, vars);
      if (!condition) continue; // a metric it needs is missing from this sample
      const state = this.state(rule, nodeId);
      // The common case, ok and still ok, changes nothing: no step (and its objects) per sample for it.
      if (!condition.holds && state === OK_STATE) {
        if (claimed?.has(rule.name)) this.resolveClaimed(rule, nodeId, condition.value, now);
        continue;
      }
      this.advance(rule, nodeId, null, step(rule, state, condition.holds, condition.recovered, now), condition.value);
    }
    if (claimed && claimed.size > 0) this.settleTimerClaims(nodeId, claimed, now);
  }

  /** Timer rules (offline…) the claims say fire for a node reporting here: resolved here if ok here and not holding now. */
  private settleTimerClaims(nodeId: number, claimed: ReadonlyMap<string, number>, now: number): void {
    for (const { rule, kind } of this.onTimer) {
      if (!claimed.has(rule.name) || this.state(rule, nodeId) !== OK_STATE) continue;
      const node = this.deps.node(nodeId);
      if (!node || !inScope(rule, node)) continue;
      const condition = kind.evaluate(rule, { node, now, forecasts: () => this.deps.forecasts?.(nodeId) ?? null });
      if (condition && !condition.holds) this.resolveClaimed(rule, nodeId, condition.value, now);
    }
  }

  /** Ends an alert another server claimed firing and can no longer judge: a resolved event, claimed and sent from here. */
  private resolveClaimed(rule: Rule, nodeId: number, value: number | null, now: number): void {
    this.advance(rule, nodeId, null, { state: OK_STATE, event: { state: 'resolved', since: now, repeat: false } }, value);
  }

  /** A check's result: rules on checks judge it. `subjectId` is the check's series id; `link` its page. */
  onCheck(subjectId: number, check: CheckFacts, link: string): void {
    const now = this.clock.now();
    for (const { rule, kind } of this.onChecks) {
      const condition = kind.evaluate(rule, { check, now });
      if (!condition) continue;
      this.advance(
        rule,
        subjectId,
        { name: check.name, group: check.group, link },
        step(rule, this.state(rule, subjectId), condition.holds, condition.recovered, now),
        condition.value,
      );
    }
  }

  /** Alerts firing now, oldest first. */
  firing(): FiringAlert[] {
    const byName = new Map(this.rules.map((r) => [r.name, r]));
    const now = this.clock.now();
    const out: FiringAlert[] = [];
    const add = ({ rule: name, nodeId, since }: ClaimedFiring) => {
      const rule = byName.get(name);
      const node = this.deps.node(nodeId);
      if (!rule || !node) return;
      out.push({
        rule: name,
        nodeId,
        severity: rule.severity,
        since,
        silenced: isSilenced(this.deps.silences?.() ?? [], name, node.name, now),
      });
    };
    const across = this.deps.firingAcross?.();
    if (across) for (const claimed of across) add(claimed);
    else
      for (const [rule, byNode] of this.states)
        for (const [nodeId, state] of byNode) if (state.status === 'firing') add({ rule, nodeId, since: state.since });
    return out.sort((a, b) => a.since - b.since);
  }

  /** Rules judged on the timer (offline, traffic, expiry), and pruning old events; call every few seconds. */
  tick(): void {
    const now = this.clock.now();
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
    for (const { rule, kind } of this.onTimer) {
      for (const nodeId of this.deps.nodeIds()) {
        if (inGrace && !this.reportedSinceStart.has(nodeId)) continue;
        const node = this.deps.node(nodeId);
        if (!node || !inScope(rule, node)) continue;
        const condition = kind.evaluate(rule, { node, now, forecasts: () => this.deps.forecasts?.(nodeId) ?? null });
        if (!condition) continue;
        this.advance(
          rule,
          nodeId,
          node,
          step(rule, this.state(rule, nodeId), condition.holds, condition.recovered, now, condition.since ?? now),
          condition.value,
          condition.detail,
        );
      }
    }
  }

  /** Calls `tick` every `everyMs` on the engine's clock until the timer is cancelled. */
  start(everyMs: number): Timer {
    return this.clock.every(everyMs, () => this.tick()).unref();
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

  /** `known`: the subject's facts if the caller has them (a node's are looked up only for an event). */
  private advance(
    rule: Rule,
    nodeId: number,
    known: Subject | null,
    result: { state: AlertState; event: AlertEvent | null },
    value: number | null,
    detail?: string,
  ): void {
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
    const message = alertMessage(rule, nodeId, node, result.event, value, detail, (id) => this.deps.link(id));
    const now = this.clock.now();
    const silenced = isSilenced(this.deps.silences?.() ?? [], rule.name, node.name, now);
    log.info(`alert ${result.event.state}`, {
      rule: rule.name,
      node: node.name,
      value: value ?? undefined,
      silenced: silenced || undefined,
    });
    const { event } = result;
    // A reminder under a silence: nothing to record or send.
    if (event.repeat && silenced) return;
    const act = () => {
      if (!event.repeat)
        this.record({ ts: now, rule: rule.name, nodeId, state: event.state, severity: rule.severity, value, text: message.text, silenced });
      if (!silenced) this.deps.notifier.dispatch(rule.notify, message);
    };
    const claim = this.deps.claim;
    if (!claim) return act();
    // Several servers: the one whose claim changes the shared row records the event (every server's
    // list shows it once) and notifies; a silenced event is claimed too, so its end is claimed after.
    claim(rule.name, nodeId, event.state, Boolean(event.repeat), now).then(
      (mine) => {
        if (mine) act();
        else log.debug('alert judged by another server too; it records and sends it', { rule: rule.name, nodeId });
      },
      (err: Error) => {
        // Twice rather than never: without PostgreSQL, each server records and notifies on its own.
        log.error('cannot claim an alert; notifying from this server', { code: 'PROBE_ERR_POSTGRES', rule: rule.name, error: err.message });
        act();
      },
    );
  }

  private record(event: AlertEventRecord): void {
    try {
      this.deps.store.addAlertEvent(event);
    } catch (err) {
      log.error('cannot save alert event', { code: 'PROBE_ERR_STORE', rule: event.rule, error: (err as Error).message });
    }
  }
}
