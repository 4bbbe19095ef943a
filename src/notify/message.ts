/**
 * @module What an alert notification says, and the wording providers share: a title line and
 * the text with the node's link.
 */

export interface AlertMessage {
  rule: string;
  node: string;
  group: string;
  state: 'firing' | 'resolved';
  severity: string;
  /** The value that triggered or resolved it, when there is one. */
  value: number | null;
  metric: string | null;
  /** When the condition began, Unix ms. */
  since: number;
  link: string;
  /** One line for people: what, where, since when, current value. */
  text: string;
}

/** `CRITICAL: cpu-high on tokyo-1`, or `RESOLVED: …`. */
export const titleOf = (m: AlertMessage): string =>
  `${m.state === 'firing' ? m.severity.toUpperCase() : 'RESOLVED'}: ${m.rule} on ${m.node}`;

/** The text, then the link to the node's page on its own line. */
export const textWithLink = (m: AlertMessage): string => `${m.text}\n${m.link}`;
