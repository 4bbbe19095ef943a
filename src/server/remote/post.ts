/**
 * @module One remote-write request over HTTP: the headers the protocol asks for, the target's own,
 * a timeout, and a verdict: accepted, worth retrying (5xx, 429, network), or refused for good
 * (other 4xx). At most ERROR_BODY_BYTES of an error answer are read; a success's body is not read.
 */
import { VERSION } from '../../version';
import type { RemoteWriteTarget } from '../../config/remote-write';

const ERROR_BODY_BYTES = 2048;
const LOGGED_CHARS = 300;

export type PostResult = { ok: true } | { ok: false; retry: boolean; status: number; message: string };

/** A TSDB request's headers before the protocol's own: the target's, its basic auth, and who asks. */
export function targetHeaders(target: Pick<RemoteWriteTarget, 'headers' | 'basicAuth'>): Record<string, string> {
  const headers: Record<string, string> = { ...target.headers };
  if (target.basicAuth)
    headers.Authorization = `Basic ${Buffer.from(`${target.basicAuth.username}:${target.basicAuth.password}`).toString('base64')}`;
  headers['User-Agent'] = `probe/${VERSION}`;
  return headers;
}

/** What a failed fetch to a TSDB says: the timeout, or the network's error code. */
export function fetchFailure(err: unknown, timeoutMs: number): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return (err as Error).name === 'TimeoutError'
    ? `no answer within ${timeoutMs} ms`
    : (cause?.code ?? cause?.message ?? (err as Error).message);
}

/** The request headers: the target's own, then those the protocol fixes (they win). */
export function requestHeaders(target: RemoteWriteTarget): Record<string, string> {
  const headers = targetHeaders(target);
  headers['Content-Encoding'] = 'snappy';
  headers['Content-Type'] = 'application/x-protobuf';
  headers['X-Prometheus-Remote-Write-Version'] = '0.1.0';
  return headers;
}

/** The first ERROR_BODY_BYTES of a body, as one line of text; the rest is not read. */
async function errorText(body: ReadableStream<Uint8Array> | null): Promise<string> {
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  try {
    while (bytes < ERROR_BODY_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      bytes += value.length;
    }
  } catch {
    // A body cut short says what it said so far.
  } finally {
    void reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).subarray(0, ERROR_BODY_BYTES).toString('utf8').replace(/\s+/g, ' ').trim();
}

/** POSTs one request; `stop` aborts it (the server is shutting down). */
export async function postWrite(
  target: RemoteWriteTarget,
  headers: Record<string, string>,
  body: Buffer,
  stop: AbortSignal,
): Promise<PostResult> {
  let res: Response;
  try {
    res = await fetch(target.url, {
      method: 'POST',
      headers,
      // A Buffer is a Uint8Array, which fetch sends as it is (Node's typings ask for one over an ArrayBuffer only).
      body: body as Uint8Array as Uint8Array<ArrayBuffer>,
      signal: AbortSignal.any([stop, AbortSignal.timeout(target.timeoutMs)]),
      redirect: 'error',
    });
  } catch (err) {
    return { ok: false, retry: true, status: 0, message: fetchFailure(err, target.timeoutMs) };
  }
  if (res.ok) {
    void res.body?.cancel().catch(() => {});
    return { ok: true };
  }
  // The log line gets the start of it: what a receiver says first (`out of bounds`, `invalid label`).
  const message = `HTTP ${res.status}: ${await errorText(res.body)}`.slice(0, LOGGED_CHARS);
  return { ok: false, retry: res.status >= 500 || res.status === 429, status: res.status, message };
}
