/**
 * @module How the admin's state talks to /api/admin/*: every call sends the session's CSRF token,
 * a 401 drops back to sign-in, and an action's error (or confirmation) becomes the notice.
 */
import { signal } from '@preact/signals';
import type { ErrorBody } from '../../src/protocol/errors';

export const session = signal<'unknown' | 'signed-out' | 'signed-in'>('unknown');
/** The last error to show, or a confirmation. */
export const notice = signal<{ kind: 'error' | 'ok'; text: string } | null>(null);

let csrf = '';

export function setCsrf(token: string): void {
  csrf = token;
}

export async function api<T>(method: string, path: string, body?: object): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), 'X-CSRF-Token': csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = (await res.json().catch(() => ({}))) as unknown;
  if (res.status === 401 && !path.endsWith('/login') && !path.endsWith('/setup')) session.value = 'signed-out';
  if (!res.ok)
    throw Object.assign(new Error((data as Partial<ErrorBody>).message ?? `HTTP ${res.status}`), {
      code: (data as Partial<ErrorBody>).code,
    });
  return data as T;
}

/** Runs an action, showing its error (or `ok`) as the notice. */
export async function attempt(action: () => Promise<unknown>, ok?: string): Promise<boolean> {
  try {
    await action();
    notice.value = ok ? { kind: 'ok', text: ok } : null;
    return true;
  } catch (err) {
    notice.value = { kind: 'error', text: (err as Error).message };
    return false;
  }
}
