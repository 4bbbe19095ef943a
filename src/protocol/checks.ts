/**
 * @module GET /api/checks: what the status page and API clients learn of each service check, and
 * the series a check's history holds (GET /api/checks/:id/history answers like a node's history).
 */

/** The series every check stores: 1 or 0, the answer time, days until its certificate expires (https). */
export const CHECK_METRICS = ['up', 'latency_ms', 'cert_days'] as const;
export type CheckMetric = (typeof CHECK_METRICS)[number];

/** How many daily statuses a check's bar shows, oldest first, today last. */
export const UPTIME_DAYS = 90;

export type CheckTypeView = 'http' | 'https' | 'tcp' | 'icmp' | 'dns';

/** Share of runs that were up (0 to 1) over a span; null when there was no run in it. */
export type Uptime = number | null;

export interface CheckView {
  /** Stable across restarts; the key of /api/checks/:id/history. */
  id: number;
  name: string;
  /** '' when the check has no group. */
  group: string;
  type: CheckTypeView;
  intervalMs: number;
  /** The latest run's answer; null before the first run. */
  up: boolean | null;
  latencyMs: number | null;
  /** When the latest run started, Unix ms; null before the first run. */
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
