/**
 * @module What an admin API route is given (the request, its path and session, and where to note
 * what it changed) and the helpers the route files share.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ProbeError } from '../../util/errors';
import { HttpError } from '../net/http-body';

export interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  session: { tokenHash: string; csrf: string };
  /** Records what the request changed in the audit log (never a secret); null: it changed nothing. */
  audit(action: string | null): void;
}
export type Route = (call: Call) => Promise<void> | void;

/** The `:name` part of `/api/admin/<what>/:name[/…]`, decoded. */
export function nameIn(path: string): string {
  const part = path.split('/')[4] ?? '';
  try {
    return decodeURIComponent(part);
  } catch {
    throw new HttpError(400, 'PROBE_ERR_BAD_REQUEST', 'the name in the path is not valid percent-encoding');
  }
}

/**
 * Runs a parser written for the config file on a request body: its errors become the request's
 * (PROBE_ERR_BAD_REQUEST), naming the body's field (`"threshold"`, not `"rule.threshold"`).
 */
export function asRequest<T>(prefix: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (!(err instanceof ProbeError)) throw err;
    const message = err.message.replace(`"${prefix}.`, '"').replace(`"${prefix}"`, '"body"');
    throw new ProbeError(err.code === 'PROBE_ERR_CONFIG' ? 'PROBE_ERR_BAD_REQUEST' : err.code, message);
  }
}

export function notFound(what: string): HttpError {
  return new HttpError(404, 'PROBE_ERR_NOT_FOUND', what);
}

export function exists(what: string): HttpError {
  return new HttpError(409, 'PROBE_ERR_EXISTS', what);
}
