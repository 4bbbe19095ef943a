/**
 * @module What every alert kind provides (parse, evaluate, describe), and what all rules share.
 * A kind lives in one file of this folder and is listed once in `index.ts`.
 */
import type { ForecastItem } from '../../protocol/forecast';
import type { Fields } from '../../util/fields';
import type { Vars } from '../expr';

export interface Scope {
  /** Empty = every node. */
  groups: string[];
  nodes: string[];
}

export interface RuleBase {
  name: string;
  forMs: number;
  scope: Scope;
  severity: 'info' | 'warning' | 'critical';
  /** Re-notify this often while firing; 0 = never. */
  repeatMs: number;
  notify: string[];
}

/** What the engine knows of a node when it judges rules on its timer. */
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

/** What a rule finds now: whether its condition holds, whether its recover condition does, a value for the message. */
export interface Condition {
  holds: boolean;
  recovered: boolean;
  value: number | null;
  /** When the condition began, if known better than "now" (offline: the last sample). */
  since?: number;
  /** Words for the message that a number cannot carry (forecast: which disk, and the date). */
  detail?: string;
}

/** One rule of the config file as a kind sees it while parsing. */
export interface RuleInput {
  /** `alerts.rules[2]`, for error messages. */
  key: string;
  /** The value of `kind` that chose this kind (a kind may answer to several, like "load"). */
  name: string;
  raw: Record<string, unknown>;
  /** What every rule has, parsed already. */
  base: RuleBase;
  f: Fields;
  /** Names of the config's checks (src/checks), for rules on checks. */
  checks: ReadonlySet<string>;
}

/** What a rule on the timer is judged on; an object so a kind that needs more can be given more. */
export interface TimerInput {
  node: NodeFacts;
  now: number;
  /** The node's forecasts as last worked out (null: none yet); asked only by the kinds that need them. */
  forecasts?: () => readonly ForecastItem[] | null;
}

interface KindCommon<R extends RuleBase & { kind: string }> {
  /** Values of `kind` in the config file that choose this kind. */
  names: readonly string[];
  /** One rule of the file, parsed and checked; a list, as one entry may stand for several rules (traffic steps). */
  parse(input: RuleInput): R[];
  /** The message's words while firing and once resolved. */
  describe(rule: R, value: number | null, firing: boolean, detail?: string): { what: string; resolved: string };
  /** The metric a message names, if the rule watches one. */
  metric?(rule: R): string;
}

/** Judged on every sample as it arrives, from the metrics it reads (and the node's `cores`). */
export interface SampleKind<R extends RuleBase & { kind: string }> extends KindCommon<R> {
  on: 'sample';
  reads(rule: R): readonly string[];
  /** Null when a metric it needs is missing from the sample: the rule is not judged then. */
  evaluate(rule: R, vars: Vars): Condition | null;
}

/** Judged on the engine's timer, from what is known of the node. */
export interface TimerKind<R extends RuleBase & { kind: string }> extends KindCommon<R> {
  on: 'timer';
  /** Null when the rule does not apply to this node now. */
  evaluate(rule: R, input: TimerInput): Condition | null;
}

/** What rules on checks are judged on: one result of one check, as it comes. */
export interface CheckFacts {
  name: string;
  /** '' when the check has no group. */
  group: string;
  up: boolean;
  latencyMs: number | null;
  error?: string;
  /** https checks: when the certificate expires, Unix ms. */
  certExpiresAt?: number;
}

/** Judged on every result of a check (src/checks), not on a node. */
export interface CheckKind<R extends RuleBase & { kind: string }> extends KindCommon<R> {
  on: 'check';
  /** Null when the rule does not apply to this check or this result. */
  evaluate(rule: R, input: { check: CheckFacts; now: number }): Condition | null;
}

export type AlertKind<R extends RuleBase & { kind: string }> = SampleKind<R> | TimerKind<R> | CheckKind<R>;
