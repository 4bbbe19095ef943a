/**
 * @module The one error class: every failure a person may see carries a stable PROBE_ERR_* code
 * (the list lives in protocol/errors.ts, which the page and agents share).
 */
import type { ErrorCode } from '../protocol/errors';

export type { ErrorCode };

export class ProbeError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ProbeError';
  }
}
