/**
 * @module Whether this visitor may see the page (GET /api/access), and the page password form's
 * action. The live socket starts only once access is granted, and asks again when it is refused.
 */
import { signal } from '@preact/signals';
import type { ErrorBody } from '../../src/protocol/errors';
import type { PageAccessView } from '../../src/protocol/messages';

export const access = signal<PageAccessView | null>(null);
export const accessError = signal('');

export async function checkAccess(): Promise<PageAccessView | null> {
  try {
    const res = await fetch('/api/access');
    if (res.ok) access.value = (await res.json()) as PageAccessView;
  } catch {
    // The server is away: the live socket's reconnecting state says so.
  }
  return access.value;
}

export async function unlockPage(password: string): Promise<boolean> {
  const res = await fetch('/api/access', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ password }),
  });
  if (!res.ok) {
    accessError.value = ((await res.json().catch(() => ({}))) as Partial<ErrorBody>).message ?? `HTTP ${res.status}`;
    return false;
  }
  accessError.value = '';
  await checkAccess();
  return true;
}
