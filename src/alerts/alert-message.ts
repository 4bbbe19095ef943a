/**
 * @module The message of one alert event: a line of text, and the facts each channel formats in
 * its own way (rule, subject, state, severity, value, since, link).
 */
import type { AlertMessage } from '../notify/notifier';
import type { AlertEvent } from './evaluate';
import { kindOf } from './kinds/index';
import type { Rule } from './kinds/index';

/** What an alert message says of its subject (a node or a check), and where it links to if not the node's page. */
export interface Subject {
  name: string;
  group: string;
  link?: string;
}

/** `nodeLink` gives the page of node `nodeId`, for a subject without a link of its own. */
export function alertMessage(
  rule: Rule,
  nodeId: number,
  node: Subject,
  event: AlertEvent,
  value: number | null,
  detail: string | undefined,
  nodeLink: (id: number) => string,
): AlertMessage {
  const since = new Date(event.since)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
  const kind = kindOf(rule);
  const { what, resolved } = kind.describe(rule, value, event.state === 'firing', detail);
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
    metric: kind.metric?.(rule) ?? null,
    since: event.since,
    link: node.link ?? nodeLink(nodeId),
    text,
  };
}
