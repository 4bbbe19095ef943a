/**
 * @module GET /api/checks: what the status page and API clients learn of each service check, and
 * the series a check's history holds (GET /api/checks/:id/history answers like a node's history),
 * and the metric names a node's own checks travel under.
 */

/** The series every check stores: 1 or 0, the answer time, days until its certificate expires (https). */
export const CHECK_METRICS = ['up', 'latency_ms', 'cert_days'] as const;
export type CheckMetric = (typeof CHECK_METRICS)[number];

/** How many daily statuses a check's bar shows, oldest first, today last. */
export const UPTIME_DAYS = 90;

export type CheckTypeView = 'http' | 'https' | 'tcp' | 'icmp' | 'dns';

/**
 * The name of a check in a node's own config (`agent.checks`): it travels inside metric names, so
 * it is a label like a latency target's.
 */
export const AGENT_CHECK_NAME = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * A node's own checks travel in its samples as `check.<type>.<name>.<metric>`, e.g.
 * `check.https.blog.up`: the latest result, in every sample, like latency probes.
 */
export const AGENT_CHECK_PREFIX = 'check.';
const AGENT_CHECK_METRIC = /^check\.(https?|tcp|icmp|dns)\.([A-Za-z0-9_-]{1,32})\.(up|latency_ms|cert_days)$/;

export function agentCheckMetric(type: CheckTypeView, name: string, metric: CheckMetric): string {
  return `${AGENT_CHECK_PREFIX}${type}.${name}.${metric}`;
}

/** The check and series of a node's check metric, or null for any other name. */
export function splitAgentCheckMetric(name: string): { type: CheckTypeView; name: string; metric: CheckMetric } | null {
  const match = AGENT_CHECK_METRIC.exec(name);
  if (!match) return null;
  // The pattern admits only these words.
  return { type: match[1] as CheckTypeView, name: match[2]!, metric: match[3] as CheckMetric };
}

/** Share of runs that were up (0 to 1) over a span; null when there was no run in it. */
export type Uptime = number | null;

export interface CheckView {
  /** Stable across restarts; the key of /api/checks/:id/history. */
  id: number;
  name: string;
  /** '' when the check has no group. */
  group: string;
  type: CheckTypeView;
  /** Absent for a node's own checks: its agent does not say. */
  intervalMs?: number;
  /** A node's own checks (`agent.checks`): the node's name and id; `name` is then "<node>/<check>". */
  node?: string;
  nodeId?: number;
  /** The latest run's answer; null before the first run. */
  up: boolean | null;
  latencyMs: number | null;
  /**
   * When the latest run started, Unix ms; null before the first run. A node's check: the time of
   * the node's latest sample, which carries its latest result.
   */
  checkedAt: number | null;
  /** https: when the certificate expires, Unix ms. */
  certExpiresAt?: number;
  uptime: { '24h': Uptime; '7d': Uptime; '30d': Uptime };
  /** UPTIME_DAYS values, one per UTC day from `dailyFrom`, the last one today. */
  daily: Uptime[];
  /** Start of the first day of `daily`, Unix ms (UTC midnight). */
  dailyFrom: number;
  /** Signed-in users only: what it connects to, why it is down, the certificate, whether guests see it. */
  target?: string;
  error?: string;
  certIssuer?: string;
  certVerified?: boolean;
  hidden?: boolean;
}

export interface ChecksAnswer {
  checks: CheckView[];
}
