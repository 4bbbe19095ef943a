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
