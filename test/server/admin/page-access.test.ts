/**
 * What the admin decides about the public page, over real HTTP and WebSockets: hiding a node (and
 * showing it again) reaches guests' live feeds at once, the order it sets is the page's order, and
 * the page can be private or protected by a password (cookie for browsers, Basic for scrapers).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import type { LiveMessage, NodeView, PageAccessView } from '../../../src/protocol/messages';
import { addNode } from '../../../src/server/fleet/nodes';
import { openSqliteStore } from '../../../src/store/sqlite-store';
import { getJson, waitFor } from '../../helpers';
import { TestAgent, client, helloMessage, startTestServer } from '../test-server';
import type { TestServer } from '../test-server';

const PAGE_PASSWORD = 'family photos 2026';

async function reporting(s: TestServer, name: string, cpu: number): Promise<TestAgent> {
  const agent = new TestAgent(s.ws, s.addNode(name));
  await agent.opened;
  agent.send(helloMessage());
  agent.sample(1, [cpu, 1, 2, 0.1]);
  await waitFor(`${name} acked`, () => agent.of('ack').length > 0);
  return agent;
}

function watch(url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, { headers });
  const frames: LiveMessage[] = [];
  let closeCode: number | null = null;
  ws.on('message', (d) => frames.push(JSON.parse(d.toString()) as LiveMessage));
  ws.on('close', (code) => (closeCode = code));
  ws.on('error', () => undefined);
  const refused = new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
  return { ws, frames, refused, closeCode: () => closeCode };
}

test('hiding a node in the admin removes it from guests live, showing it again sends it whole; the order is the page order', async (t) => {
  // charlie exists before the server starts and never reports: guests know it only from their snapshot.
  const s = await startTestServer(t, { ackIntervalMs: 0 }, (config) => {
    const store = openSqliteStore(config.server.data);
    addNode(store, 'charlie', '', '', Date.now());
    store.close();
  });
  const admin = client(s);
  await admin.signIn();
  const a = await reporting(s, 'alpha', 11);
  const b = await reporting(s, 'bravo', 22);
  t.after(() => (a.close(), b.close()));
  await waitFor('all listed', async () => (await getJson<NodeView[]>(`${s.base}/api/nodes`)).length === 3);

  const guest = watch(`${s.ws}/ws/live`);
  t.after(() => guest.ws.terminate());
  await waitFor('snapshot', () => guest.frames.length > 0);
  assert.ok(guest.frames[0]!.type === 'snapshot' && guest.frames[0]!.nodes.some((n) => n.name === 'charlie'));
  const all = (await admin.call('GET', '/api/admin/nodes')).body as unknown as { id: number; name: string }[];
  const charlie = all.find((n) => n.name === 'charlie')!;
  const framesBefore = guest.frames.length;
  assert.equal((await admin.call('PATCH', `/api/admin/nodes/${charlie.id}`, { hidden: true })).status, 200);
  await waitFor(
    'guests told charlie is gone',
    () => guest.frames.slice(framesBefore).some((f) => f.type === 'remove' && f.ids.includes(charlie.id)),
    3000,
  );
  assert.equal((await admin.call('DELETE', `/api/admin/nodes/${charlie.id}?confirm=charlie`)).status, 200);
  const nodes = await admin.call('GET', '/api/admin/nodes');
  const bravo = (nodes.body as unknown as { id: number; name: string }[]).find((n) => n.name === 'bravo')!;

  assert.equal((await admin.call('PATCH', `/api/admin/nodes/${bravo.id}`, { hidden: 'yes' })).status, 400);
  assert.equal((await admin.call('PATCH', `/api/admin/nodes/${bravo.id}`, { hidden: true })).status, 200);
  await waitFor('guests told bravo is gone', () => guest.frames.some((f) => f.type === 'remove' && f.ids.includes(bravo.id)), 3000);
  assert.deepEqual(
    (await getJson<NodeView[]>(`${s.base}/api/nodes`)).map((n) => n.name),
    ['alpha'],
  );
  assert.equal((await fetch(`${s.base}/api/nodes/${bravo.id}/history?range=1h`)).status, 404);
  assert.equal(
    (await admin.call('GET', `/api/nodes/${bravo.id}/history?range=1h`)).status,
    200,
    'the signed-in admin still sees its history',
  );
  assert.deepEqual(
    ((await admin.call('GET', '/api/nodes')).body as unknown as NodeView[]).map((n) => n.name),
    ['alpha', 'bravo'],
    'and the node',
  );
  const hiddenFrames = guest.frames.length;
  b.sample(2, [33, 1, 2, 0.1]);
  await waitFor(
    'an update of alpha goes out',
    async () => (a.sample(2 + guest.frames.length, [12, 1, 2, 0.1]), guest.frames.length > hiddenFrames + 1),
    5000,
  );
  assert.ok(
    guest.frames.slice(hiddenFrames).every((f) => f.type !== 'update' || f.nodes.every((n) => n.id !== bravo.id)),
    'no updates of a hidden node',
  );

  const beforeReveal = guest.frames.length;
  assert.equal(
    (await admin.call('PATCH', `/api/admin/nodes/${bravo.id}`, { hidden: null })).status,
    200,
    'null: follow the config file again',
  );
  const revealed = await waitFor(
    'guests get bravo whole',
    () =>
      guest.frames
        .slice(beforeReveal)
        .flatMap((f) => (f.type === 'update' ? f.nodes : []))
        .find((n) => n.id === bravo.id && 'name' in n && n.name === 'bravo'),
    3000,
  );
  assert.equal((revealed as NodeView).values.cpu, 33, 'with its current values, not a delta');

  const ids = (nodes.body as unknown as { id: number }[]).map((n) => n.id);
  assert.equal((await admin.call('PUT', '/api/admin/order', { ids: [...ids].reverse() })).status, 200);
  assert.deepEqual(
    (await getJson<NodeView[]>(`${s.base}/api/nodes`)).map((n) => n.name),
    ['bravo', 'alpha'],
  );
  assert.deepEqual(
    (await getJson<NodeView[]>(`${s.base}/api/nodes`)).map((n) => n.position),
    [1, 2],
  );
  assert.equal((await admin.call('PUT', '/api/admin/order', { ids: ['x'] })).status, 400);
});

test('a private page shows guests nothing; a password page lets in whoever has the password', async (t) => {
  const s = await startTestServer(t);
  const admin = client(s);
  await admin.signIn();
  const agent = await reporting(s, 'alpha', 11);
  t.after(() => agent.close());
  const guest = watch(`${s.ws}/ws/live`);
  t.after(() => guest.ws.terminate());
  await waitFor('guest snapshot', () => guest.frames.length > 0);

  assert.equal((await admin.call('PUT', '/api/admin/page', { mode: 'secret' })).status, 400);
  assert.equal((await admin.call('PUT', '/api/admin/page', { mode: 'password' })).status, 400, 'password mode needs a password');
  assert.equal((await admin.call('PUT', '/api/admin/page', { mode: 'private' })).status, 200);
  await waitFor('the guest feed is closed', () => guest.closeCode() === 4001, 3000);
  for (const path of ['/api/nodes', '/api/summary', '/api/alerts', '/api/nodes/1/history?range=1h', '/metrics']) {
    const res = await fetch(s.base + path);
    assert.equal(res.status, 401, path);
    assert.equal(((await res.json()) as { code: string }).code, 'PROBE_ERR_AUTH');
  }
  assert.equal(await watch(`${s.ws}/ws/live`).refused, 401);
  assert.deepEqual(await getJson<PageAccessView>(`${s.base}/api/access`), { mode: 'private', granted: false, admin: false });
  assert.equal((await fetch(`${s.base}/`)).status, 200, 'the page itself loads, to show that it is private');
  assert.equal((await admin.call('GET', '/api/nodes')).status, 200, 'the admin still sees it');
  const adminFeed = watch(`${s.ws}/ws/live`, { Cookie: admin.cookieHeader() });
  t.after(() => adminFeed.ws.terminate());
  await waitFor('admin snapshot', () => adminFeed.frames.length > 0);

  assert.equal((await admin.call('PUT', '/api/admin/page', { mode: 'password', password: PAGE_PASSWORD })).status, 200);
  assert.equal((await admin.call('GET', '/api/admin/page')).body.mode, 'password');
  const visitor = client(s);
  const denied = await visitor.call('GET', '/api/nodes');
  assert.equal(denied.status, 401);
  assert.match(denied.headers.get('www-authenticate') ?? '', /^Basic/);
  assert.equal((await visitor.call('POST', '/api/access', { password: 'wrong guess!!' })).status, 401);
  const notText = await visitor.call('POST', '/api/access', { password: 12345 });
  assert.deepEqual(
    [notText.status, notText.body.code],
    [400, 'PROBE_ERR_BAD_REQUEST'],
    "a password that is not a string is the request's fault",
  );
  const unlocked = await visitor.call('POST', '/api/access', { password: PAGE_PASSWORD });
  assert.equal(unlocked.status, 200);
  assert.match(
    unlocked.headers.get('set-cookie') ?? '',
    /^probe_view=\d+\.[A-Za-z0-9_-]{40,}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/,
  );
  assert.deepEqual(
    ((await visitor.call('GET', '/api/nodes')).body as unknown as NodeView[]).map((n) => n.name),
    ['alpha'],
  );
  assert.deepEqual((await visitor.call('GET', '/api/access')).body, { mode: 'password', granted: true, admin: false });
  const feed = watch(`${s.ws}/ws/live`, { Cookie: visitor.cookieHeader() });
  t.after(() => feed.ws.terminate());
  await waitFor('visitor snapshot', () => feed.frames.length > 0);

  const basic = (password: string) => ({ Authorization: `Basic ${Buffer.from(`prometheus:${password}`).toString('base64')}` });
  assert.equal((await fetch(`${s.base}/metrics`, { headers: basic('nope nope nope') })).status, 401);
  const scraped = await fetch(`${s.base}/metrics`, { headers: basic(PAGE_PASSWORD) });
  assert.equal(scraped.status, 200);
  assert.match(await scraped.text(), /node="alpha"/);

  // A new page password signs every visitor out.
  assert.equal((await admin.call('PUT', '/api/admin/page', { mode: 'password', password: 'another one, longer' })).status, 200);
  assert.equal((await visitor.call('GET', '/api/nodes')).status, 401);
  assert.equal((await fetch(`${s.base}/metrics`, { headers: basic(PAGE_PASSWORD) })).status, 401);
  await waitFor('the visitor feed is closed', () => feed.closeCode() === 4001, 3000);
  assert.equal(adminFeed.closeCode(), null, "the admin's feed stays");

  assert.equal((await admin.call('PUT', '/api/admin/page', { mode: 'public' })).status, 200);
  assert.equal((await fetch(`${s.base}/api/nodes`)).status, 200);
  assert.equal((await visitor.call('POST', '/api/access', { password: PAGE_PASSWORD })).status, 401, 'a public page takes no password');
});

test('wrong page passwords from one address are refused for a while', async (t) => {
  const s = await startTestServer(t);
  const admin = client(s);
  await admin.signIn();
  assert.equal((await admin.call('PUT', '/api/admin/page', { mode: 'password', password: PAGE_PASSWORD })).status, 200);
  const visitor = client(s);
  for (let i = 0; i < 10; i++) assert.equal((await visitor.call('POST', '/api/access', { password: `guess number ${i}` })).status, 401);
  const blocked = await visitor.call('POST', '/api/access', { password: PAGE_PASSWORD });
  assert.equal(blocked.status, 429, 'even the right password, once blocked');
  assert.equal(blocked.body.code, 'PROBE_ERR_RATE');
  assert.ok(Number(blocked.headers.get('retry-after')) > 0);
});
