/**
 * @module JSON over HTTP for the admin and the page password: bounded, typed bodies in, JSON out,
 * and an error that carries its status and PROBE_ERR_* code.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorBody, ErrorCode } from '../../protocol/errors';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The one JSON responder: never cached, since every answer is about now. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(text);
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  PROBE_ERR_BAD_REQUEST: 400,
  PROBE_ERR_CONFIG: 400,
  PROBE_ERR_AUTH: 401,
  PROBE_ERR_SECOND_FACTOR: 401,
  PROBE_ERR_CSRF: 403,
  PROBE_ERR_NOT_FOUND: 404,
  PROBE_ERR_EXISTS: 409,
  PROBE_ERR_TOO_LARGE: 413,
  PROBE_ERR_POSTGRES: 503,
};

/** The HTTP status of a ProbeError that reaches a request's answer: 500 for codes that are not the request's fault. */
export const statusFor = (code: ErrorCode): number => STATUS[code] ?? 500;

/** An error answer: `{ code, message }` with its status. */
export function jsonError(
  res: ServerResponse,
  status: number,
  code: ErrorCode,
  message: string,
  headers: Record<string, string | string[]> = {},
): void {
  json(res, status, { code, message } satisfies ErrorBody, headers);
}

/**
 * The one way to refuse a WebSocket upgrade: a plain HTTP answer on the raw socket, then close.
 * With a code, the body is `{ code, message }` like every JSON error.
 */
export function refuseUpgrade(
  socket: Duplex,
  status: number,
  error?: { code: string; message: string },
  headers: Record<string, string | number> = {},
): void {
  const body = error ? JSON.stringify(error) : '';
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`];
  if (error) lines.push('Content-Type: application/json');
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  lines.push(`Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close', '', body);
  socket.end(lines.join('\r\n'));
}

export async function readBody(req: IncomingMessage, maxBytes = 16 * 1024): Promise<Record<string, unknown>> {
  if (!/^application\/json\b/i.test(String(req.headers['content-type'] ?? '')))
    throw new HttpError(415, 'PROBE_ERR_BAD_REQUEST', 'send the body as application/json');
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw new HttpError(413, 'PROBE_ERR_TOO_LARGE', `the body may have at most ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new HttpError(413, 'PROBE_ERR_TOO_LARGE', `the body may have at most ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new HttpError(400, 'PROBE_ERR_BAD_REQUEST', 'the body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new HttpError(400, 'PROBE_ERR_BAD_REQUEST', 'the body must be a JSON object');
  return value as Record<string, unknown>;
}
