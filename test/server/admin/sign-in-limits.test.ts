/**
 * Password limits under hostile clients, over real HTTP from several loopback addresses: every
 * attempt counts before it is checked (concurrent guesses cannot race the limit), a stranger's
 * failures never lock the admin out, HTTP Basic meets the page password form's limit, and a flood
 * of checks gets 429 PROBE_ERR_BUSY instead of starving the admin.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashPassword, setPasswordIn } from '../../../src/server/admin/auth';
import { openSqliteStore } from '../../../src/store/sqlite-store';
import { ADMIN_PASSWORD, client, startTestServer } from '../test-server';
import type { TestServer } from '../test-server';
import { httpFrom } from '../http-from';

const PAGE_PASSWORD = 'family photos 2026';

const login = (s: TestServer, from: string, password: string, cookie?: string) =>
  httpFrom(s.base, 'POST', '/api/admin/login', { from, body: { password }, headers: cookie ? { Cookie: cookie } : {} });

/** The cookies a reply sets, as a Cookie header. */
const cookiesOf = (reply: { headers: Record<string, string | string[] | undefined> }) =>
  ([reply.headers['set-cookie'] ?? []].flat() as string[]).map((c) => c.split(';')[0]).join('; ');

test('concurrent sign-ins from one address are counted before any is checked: the right password last in a batch of 40 is refused', async (t) => {
  const s = await startTestServer(t);
  await client(s).signIn();
  const batch = await Promise.all(
    Array.from({ length: 40 }, (_, i) => login(s, '127.0.0.2', i === 39 ? ADMIN_PASSWORD : `guess number ${i}`)),
  );
  const statuses = batch.map((r) => r.status);
  assert.ok(statuses.filter((x) => x === 401).length <= 10, `at most 10 judged: ${statuses.join(' ')}`);
  assert.equal(statuses[39], 429, `the right password last in the batch: ${statuses.join(' ')}`);
  for (const refused of batch.filter((r) => r.status === 429)) {
    assert.ok(refused.body.code === 'PROBE_ERR_BUSY' || refused.body.code === 'PROBE_ERR_RATE', String(refused.body.code));
    assert.ok(Number(refused.headers['retry-after']) >= 1);
  }
  // The address goes on guessing one at a time until its 10 failures are used up.
  let status = 401;
  for (let i = 0; i < 12 && status === 401; i++) status = (await login(s, '127.0.0.2', `later guess ${i}`)).status;
  const blocked = await login(s, '127.0.0.2', ADMIN_PASSWORD);
  assert.equal(blocked.status, 429);
  assert.equal(blocked.body.code, 'PROBE_ERR_RATE');
  assert.ok(Number(blocked.headers['retry-after']) > 60);
});

test('the one-time setup token works once, also when used twice at the same moment', async (t) => {
  const s = await startTestServer(t);
  const token = s.server.setupUrl!.split('#setup=')[1];
  const both = await Promise.all(
    ['first password', 'second password'].map((password) => httpFrom(s.base, 'POST', '/api/admin/setup', { body: { token, password } })),
  );
  assert.deepEqual(both.map((r) => r.status).sort(), [200, 401]);
  const short = await startTestServer(t);
  const shortToken = short.server.setupUrl!.split('#setup=')[1];
  assert.equal((await httpFrom(short.base, 'POST', '/api/admin/setup', { body: { token: shortToken, password: 'short' } })).status, 400);
  assert.equal(
    (await httpFrom(short.base, 'POST', '/api/admin/setup', { body: { token: shortToken, password: ADMIN_PASSWORD } })).status,
    200,
    'a refused password leaves the token usable',
  );
});

test("a stranger's failures lock out only their own address; a browser that signed in before is limited on its own; set-password starts the counts afresh", async (t) => {
  const s = await startTestServer(t);
  const setup = await httpFrom(s.base, 'POST', '/api/admin/setup', {
    from: '127.0.0.1',
    body: { token: s.server.setupUrl!.split('#setup=')[1], password: ADMIN_PASSWORD },
  });
  assert.equal(setup.status, 200);
  const adminBrowser = cookiesOf(setup);
  assert.match(adminBrowser, /probe_device=/);
  assert.match(String(setup.headers['set-cookie']), /probe_device=[^;]+; Path=\/api\/admin\/; HttpOnly; SameSite=Strict; Max-Age=\d+/);

  // A stranger behind the admin's own address (a shared NAT) and one elsewhere, 15 failures each.
  for (const from of ['127.0.0.1', '127.0.0.3'])
    for (let i = 0; i < 15; i++) assert.ok([401, 429].includes((await login(s, from, `guess number ${i}`)).status));
  assert.equal((await login(s, '127.0.0.1', ADMIN_PASSWORD)).status, 429, 'the address without a known browser is refused');
  const known = await login(s, '127.0.0.1', ADMIN_PASSWORD, adminBrowser);
  assert.equal(known.status, 200, "the admin's browser is not: its limits are its own");
  assert.equal((await login(s, '127.0.0.4', ADMIN_PASSWORD)).status, 200, 'nor is a new browser at another address (no account-wide lock)');
  const forged = adminBrowser.replace(/probe_device=[^.]+/, 'probe_device=AAAAAAAAAAAAAAAAAAAAAA');
  assert.equal((await login(s, '127.0.0.1', ADMIN_PASSWORD, forged)).status, 429, 'a made-up device cookie is an address like any other');

  // `probe admin set-password` writes the database from another process; the server's counts start afresh.
  const store = openSqliteStore(s.dataDir);
  setPasswordIn(store, await hashPassword('a brand new password'), Date.now());
  store.close();
  assert.equal((await login(s, '127.0.0.1', 'a brand new password')).status, 200);
  assert.equal((await login(s, '127.0.0.3', 'a brand new password')).status, 200);
});

test('HTTP Basic meets the same per-address limit as the form, counted before the check', async (t) => {
  const s = await startTestServer(t);
  const admin = client(s);
  await admin.signIn();
  assert.equal((await admin.call('PUT', '/api/admin/page', { mode: 'password', password: PAGE_PASSWORD })).status, 200);
  const basic = (from: string, password: string) =>
    httpFrom(s.base, 'GET', '/metrics', {
      from,
      headers: { Authorization: `Basic ${Buffer.from(`prometheus:${password}`).toString('base64')}` },
    });

  const flood = await Promise.all(Array.from({ length: 24 }, (_, i) => basic('127.0.0.2', `guess number ${i}`)));
  assert.ok(flood.filter((r) => r.status === 401).length <= 10, flood.map((r) => r.status).join(' '));
  for (let i = 0; i < 12; i++) await basic('127.0.0.2', `one by one ${i}`);
  const blocked = await basic('127.0.0.2', PAGE_PASSWORD);
  assert.equal(blocked.status, 429, 'even the right password, once the address is refused');
  assert.equal(blocked.body.code, 'PROBE_ERR_RATE');
  assert.ok(Number(blocked.headers['retry-after']) > 60);
  assert.equal(
    (await httpFrom(s.base, 'POST', '/api/access', { from: '127.0.0.2', body: { password: PAGE_PASSWORD } })).status,
    429,
    'the form shares the count',
  );

  // The form's failures count for Basic too.
  for (let i = 0; i < 10; i++)
    assert.equal((await httpFrom(s.base, 'POST', '/api/access', { from: '127.0.0.3', body: { password: `guess ${i}` } })).status, 401);
  assert.equal((await basic('127.0.0.3', PAGE_PASSWORD)).status, 429);
  assert.equal((await basic('127.0.0.4', PAGE_PASSWORD)).status, 200, 'another address is served');
});

test('a flood of password checks from many addresses gets 429 PROBE_ERR_BUSY beyond a few at once, and the admin’s browser goes first', async (t) => {
  // At scrypt's real cost: the slots fill only while checks take as long as they do in production.
  const s = await startTestServer(t, { ackIntervalMs: 0, passwordHashN: 32768 });
  const setup = await httpFrom(s.base, 'POST', '/api/admin/setup', {
    body: { token: s.server.setupUrl!.split('#setup=')[1], password: ADMIN_PASSWORD },
  });
  const adminBrowser = cookiesOf(setup);
  const admin = client(s);
  await admin.call('POST', '/api/admin/login', { password: ADMIN_PASSWORD });
  const order: string[] = [];
  const flood = Array.from({ length: 40 }, (_, i) =>
    login(s, `127.0.1.${i + 1}`, `guess number ${i}`).then((r) => {
      order.push(`flood ${r.status}`);
      return r;
    }),
  );
  // Sent once the flood's requests are in (they reach the server first).
  await new Promise((r) => setTimeout(r, 50));
  const mine = login(s, '127.0.0.1', ADMIN_PASSWORD, adminBrowser).then((r) => (order.push('admin'), r));
  const [results, signedIn] = await Promise.all([Promise.all(flood), mine]);
  assert.equal(signedIn.status, 200);
  const busy = results.filter((r) => r.status === 429);
  assert.ok(busy.length >= 10, `beyond the slots and the queue: busy (${results.map((r) => r.status).join(' ')})`);
  assert.ok(busy.every((r) => r.body.code === 'PROBE_ERR_BUSY' && Number(r.headers['retry-after']) >= 1));
  const checkedAfterAdmin = order.slice(order.indexOf('admin') + 1).filter((x) => x === 'flood 401').length;
  assert.ok(checkedAfterAdmin >= 8, `the admin's check jumped the queue: ${order.join(', ')}`);
});
