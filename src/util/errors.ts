/**
 * @module The one error class: every failure a person may see carries a stable PROBE_ERR_* code.
 */

export type ErrorCode =
  | 'PROBE_ERR_CONFIG'
  | 'PROBE_ERR_AUTH'
  | 'PROBE_ERR_BAD_MESSAGE'
  | 'PROBE_ERR_NOT_FOUND'
  | 'PROBE_ERR_EXISTS'
  | 'PROBE_ERR_BAD_REQUEST'
  /** Too many failures from this client: wait for Retry-After (the right secret is refused too until then). */
  | 'PROBE_ERR_RATE'
  /** The server is busy with this client's or others' requests: try again after Retry-After. */
  | 'PROBE_ERR_BUSY'
  /** A browser page of another site asked for the live feed: only this server's own pages may. */
  | 'PROBE_ERR_ORIGIN'
  /** The node has stored as many metric names as its budget allows: its samples are kept without new ones. Reuse names, or raise server.metricNamesPerNode. */
  | 'PROBE_ERR_METRIC_BUDGET'
  | 'PROBE_ERR_STORE'
  | 'PROBE_ERR_LISTEN'
  | 'PROBE_ERR_NOTIFY'
  | 'PROBE_ERR_INSTALL'
  | 'PROBE_ERR_UNSUPPORTED';

export class ProbeError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ProbeError';
  }
}
