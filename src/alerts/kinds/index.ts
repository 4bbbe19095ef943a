/**
 * @module The registry of alert kinds: the one list to extend when a kind is added (its file
 * in this folder, its rule type in `Rule`, its entry in `KINDS`).
 */
import { certKind } from './cert';
import type { CertRule } from './cert';
import { checkKind } from './check';
import type { CheckRule } from './check';
import { exprKind } from './expr';
import type { ExprRule } from './expr';
import { expiryKind } from './expiry';
import type { ExpiryRule } from './expiry';
import { forecastKind } from './forecast';
import type { ForecastRule } from './forecast';
import type { AlertKind } from './kind';
import { offlineKind } from './offline';
import type { OfflineRule } from './offline';
import { thresholdKind } from './threshold';
import type { ThresholdRule } from './threshold';
import { trafficKind } from './traffic';
import type { TrafficRule } from './traffic';

export type Rule = ThresholdRule | ExprRule | OfflineRule | TrafficRule | ExpiryRule | CheckRule | CertRule | ForecastRule;

/** Every kind by its rule's `kind`; the order is the one error messages list them in. */
export const KINDS: { readonly [K in Rule['kind']]: AlertKind<Extract<Rule, { kind: K }>> } = {
  threshold: thresholdKind,
  expr: exprKind,
  offline: offlineKind,
  traffic: trafficKind,
  expiry: expiryKind,
  check: checkKind,
  cert: certKind,
  forecast: forecastKind,
};

/** The kind of a rule. */
export function kindOf<R extends Rule>(rule: R): AlertKind<R> {
  // KINDS pairs each kind name with the kind of that rule type; TypeScript cannot follow the pairing through an index.
  return KINDS[rule.kind] as unknown as AlertKind<R>;
}

/** The kind a config file's `kind` value names, if any. */
export function kindNamed(name: string): AlertKind<Rule> | undefined {
  return (Object.values(KINDS) as AlertKind<Rule>[]).find((k) => k.names.includes(name));
}

/** Every `kind` value the config file accepts. */
export const KIND_NAMES: readonly string[] = Object.values(KINDS).flatMap((k) => k.names);
