/**
 * @module Every PROBE_ERR_* code any part of probe may show, in one list: agents read them in
 * `error` messages, the page in JSON error bodies. docs/operations.md has the same table.
 */

export const ERROR_CODES = [
  /** A setting in the config file, environment or flags is wrong: the message names the key. */
  'PROBE_ERR_CONFIG',
  /** No valid key, session or page password: sign in, or check the agent's key. */
  'PROBE_ERR_AUTH',
  /** The admin has a second factor: send the code from the authenticator app (or a recovery code) with the password. */
  'PROBE_ERR_SECOND_FACTOR',
  /** A state-changing admin request without the session's X-CSRF-Token: reload the admin page. */
  'PROBE_ERR_CSRF',
  /** A WebSocket message that is not JSON, has the wrong shape or types, or is too large. */
  'PROBE_ERR_BAD_MESSAGE',
  /** A message whose `type` the receiver does not know. */
  'PROBE_ERR_UNKNOWN_TYPE',
  /** Messages in the wrong order (a sample before hello, a compact frame not offered). */
  'PROBE_ERR_PROTOCOL',
  /** The agent speaks a protocol version this server does not: run the same version on both. */
  'PROBE_ERR_PROTOCOL_VERSION',
  /** A sample's time is too far ahead of the server's clock, or older than any history kept: sync the node's clock. */
  'PROBE_ERR_CLOCK_SKEW',
  /** No node, route, channel or file by that name or id. */
  'PROBE_ERR_NOT_FOUND',
  /** A node by that name exists already. */
  'PROBE_ERR_EXISTS',
  /** An HTTP request with a wrong method, query or body: the message names the field. */
  'PROBE_ERR_BAD_REQUEST',
  /** An HTTP request body over its size limit. */
  'PROBE_ERR_TOO_LARGE',
  /** Too many failures from this client: wait for Retry-After (the right secret is refused too until then). */
  'PROBE_ERR_RATE',
  /** The server is busy with this client's or others' requests: try again after Retry-After. */
  'PROBE_ERR_BUSY',
  /** A browser page of another site asked for the live feed: only this server's own pages may. */
  'PROBE_ERR_ORIGIN',
  /**
   * The node has stored as many metric names as its budget allows: its samples are kept without new
   * ones. Reuse names, or raise server.metricNamesPerNode.
   */
  'PROBE_ERR_METRIC_BUDGET',
  /** The database cannot be opened, read or written (or was written by a newer probe). */
  'PROBE_ERR_STORE',
  /** The server cannot listen on its address (in use, or not allowed). */
  'PROBE_ERR_LISTEN',
  /** A notification could not be delivered through a channel. */
  'PROBE_ERR_NOTIFY',
  /** A remote-write target is unreachable, failing (retried) or refused a request (skipped): the log says which. */
  'PROBE_ERR_REMOTE_WRITE',
  /** The TSDB of `history.read` did not answer a history query usefully: the answer came from local storage. */
  'PROBE_ERR_HISTORY_READ',
  /**
   * The registry's PostgreSQL (`store.postgres`) is unreachable or refused a statement: the server keeps
   * serving the registry it holds; node and key changes are refused until it is back.
   */
  'PROBE_ERR_POSTGRES',
  /** A cluster peer (`cluster.peers`) is unreachable or its link failed: its agents' nodes show offline here until it is back. */
  'PROBE_ERR_PEER',
  /** `probe install` could not put the service in place: the message says which step failed. */
  'PROBE_ERR_INSTALL',
  /** Something this build or platform does not do. */
  'PROBE_ERR_UNSUPPORTED',
  /** A failure the server did not expect: the server log has the details. */
  'PROBE_ERR_INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The body of every JSON error answer (`/api/*`, refused upgrades). */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
}
