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
    /** The process's exit status when this ends it (1 unless given; 2 for PROBE_ERR_CONFIG). */
    readonly exitCode?: number,
  ) {
    super(message);
    this.name = 'ProbeError';
  }
}
