/**
 * Who keeps a live feed: an admin's feed ends with its session (sign-out, `probe admin
 * set-password`, expiry), only this server's pages may open one (Origin), and the page password's
 * visitor cookie expires on the server's side.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import type { LiveMessage } from '../../../src/protocol/messages';
import { AdminAuth, hashPassword, setPasswordIn } from '../../../src/server/admin/auth';
import { PageAccess } from '../../../src/server/admin/page-access';
import { createMemoryStore } from '../../../src/store/memory-store';
import { openSqliteStore } from '../../../src/store/sqlite-store';
import { waitFor } from '../../helpers';
import { ADMIN_PASSWORD, client, startTestServer } from '../test-server';
import type { TestServer } from '../test-server';
import { httpFrom } from '../http-from';

function feed(s: TestServer, headers: Record<string, string> = {}) {
  const ws = new WebSocket(`${s.ws}/ws/live`, { headers });
  const frames: LiveMessage[] = [];
  let closeCode: number | null = null;
  ws.on('message', (d) => frames.push(JSON.parse(d.toString()) as LiveMessage));
  ws.on('close', (code) => (closeCode = code));
  ws.on('error', () => undefined);
  const outcome = new Promise<number>((resolve) => {
    ws.on('open', () => resolve(101));
    ws.on('unexpected-response', (_req, res) => (res.resume(), resolve(res.statusCode ?? 0)));
  });
  return { ws, frames, outcome, closeCode: () => closeCode };
}

async function adminFeed(t: { after(fn: () => unknown): void }, s: TestServer, cookie: string) {
  const f = feed(s, { Cookie: cookie });
  t.after(() => f.ws.terminate());
  assert.equal(await f.outcome, 101);
  await waitFor('snapshot', () => f.frames.length > 0);
  return f;
}

test("an admin's live feed ends with the session: sign-out, a new password from the shell, expiry", async (t) => {
  const s = await startTestServer(t, { ackIntervalMs: 0, sessionTtlMs: 6000 });
  const admin = client(s);
  await admin.signIn();
  const signedOut = await adminFeed(t, s, admin.cookieHeader());
  const other = client(s);
  assert.equal((await other.call('POST', '/api/admin/login', { password: ADMIN_PASSWORD })).status, 200);
  const otherFeed = await adminFeed(t, s, other.cookieHeader());
  const guest = feed(s);
  t.after(() => guest.ws.terminate());

  // (POST with the CSRF token the sign-in gave.)
  assert.equal((await admin.call('POST', '/api/admin/logout', {})).status, 200);
  await waitFor('the signed-out feed is closed', () => signedOut.closeCode() === 4001, 3000);
  assert.equal(otherFeed.closeCode(), null, "another session's feed stays");

  const store = openSqliteStore(s.dataDir);
  setPasswordIn(store, await hashPassword('a brand new password'), Date.now());
  store.close();
  await waitFor('set-password signs the other feed out too', () => otherFeed.closeCode() === 4001, 3000);
  assert.equal(guest.closeCode(), null, "a guest's feed is not a session's");

  const fresh = client(s);
  assert.equal((await fresh.call('POST', '/api/admin/login', { password: 'a brand new password' })).status, 200);
  const expiring = await adminFeed(t, s, fresh.cookieHeader());
  await waitFor('the feed of an expired session is closed', () => expiring.closeCode() === 4001, 10_000);
});

test('only pages of this server may open the live feed (Origin); clients that send none are not browsers and may', async (t) => {
  const s = await startTestServer(t, { ackIntervalMs: 0 }, (config) => {
    config.server.allowedHosts = ['status.example.com'];
  });
  const outcome = async (headers: Record<string, string>) => {
    const f = feed(s, headers);
    const status = await f.outcome;
    f.ws.terminate();
    return status;
  };
  assert.equal(await outcome({ Origin: 'https://evil.example' }), 403);
  assert.equal(await outcome({ Origin: 'null' }), 403);
  assert.equal(await outcome({ Origin: `http://127.0.0.1:${s.server.port + 1}` }), 403, 'another port is another origin');
  assert.equal(await outcome({ Origin: s.base }), 101, 'the page itself');
  assert.equal(await outcome({ Origin: 'https://status.example.com' }), 101, 'a name in server.allowedHosts (a proxy that rewrites Host)');
  assert.equal(await outcome({}), 101);
  const refused = await httpFrom(s.base, 'GET', '/ws/live', {
    headers: {
      Connection: 'Upgrade',
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      Origin: 'https://evil.example',
    },
  });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.code, 'PROBE_ERR_ORIGIN');
});

test('the page password’s visitor cookie expires after 30 days on the server’s side, and with a new password', async () => {
  let now = Date.UTC(2026, 0, 1);
  const clock = () => now;
  const store = createMemoryStore();
  const access = new PageAccess(store, new AdminAuth(store, clock), clock);
  await access.set('password', 'family photos 2026');
  const unlocked = await access.unlock('family photos 2026', '192.0.2.1', false);
  assert.ok(unlocked.ok);
  const cookie = unlocked.cookie.split(';')[0]!;
  const request = { headers: { cookie } } as Parameters<PageAccess['audience']>[0];
  assert.equal(await access.audience(request, '192.0.2.1'), 'guest');
  now += 29 * 86_400_000;
  assert.equal(await access.audience(request, '192.0.2.1'), 'guest', 'after 29 days');
  now += 2 * 86_400_000;
  assert.equal(await access.audience(request, '192.0.2.1'), null, 'after 31 days, whatever the browser kept');
  const tampered = { headers: { cookie: cookie.replace(/=\d+\./, `=${Math.floor(now / 1000)}.`) } } as typeof request;
  assert.equal(await access.audience(tampered, '192.0.2.1'), null, 'a newer issue time breaks the signature');

  const again = await access.unlock('family photos 2026', '192.0.2.1', false);
  assert.ok(again.ok);
  await access.set('password', 'another page password');
  assert.equal(
    await access.audience({ headers: { cookie: again.cookie.split(';')[0]! } } as typeof request, '192.0.2.1'),
    null,
    'a new password signs visitors out',
  );
});
