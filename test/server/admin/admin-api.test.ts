/**
 * The admin API over real HTTP against the real server: first password with the setup token,
 * login, cookie flags, CSRF, body limits, the per-address limit, session expiry, and what a signed-in admin can
 * do to nodes (add, rename, rotate a key — which drops the live agent — remove) and silences.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import type { NodeView } from '../../../src/protocol/messages';
import { parseRules } from '../../../src/alerts/rules';
import { parseChannels } from '../../../src/notify/channels';
import { BINARY, getJson, waitFor } from '../../helpers';
import { startReceiver } from '../../notify/receiver';
import { TestAgent, helloMessage, startTestServer } from '../test-server';
import type { TestServer } from '../test-server';

const PASSWORD = 'correct horse battery';

interface Client {
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }>;
  csrf: string;
}

/** A browser-like client: keeps the session cookie, sends JSON. */
function client(s: TestServer): Client {
  let cookie = '';
  const c: Client = {
    csrf: '',
    async call(method, path, body, headers = {}) {
      const res = await fetch(s.base + path, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...(cookie ? { Cookie: cookie } : {}),
          ...(c.csrf ? { 'X-CSRF-Token': c.csrf } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const set = res.headers.get('set-cookie');
      if (set) cookie = set.split(';')[0]!;
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: res.headers };
    },
  };
  return c;
}

test('first password through the one-time setup link, then login with safe cookies', async (t) => {
  const s = await startTestServer(t);
  const setupUrl = s.server.setupUrl!;
  assert.match(setupUrl, /\/admin#setup=[A-Za-z0-9_-]{20,}$/);
  const token = setupUrl.split('#setup=')[1]!;
  const admin = client(s);
  const before = await admin.call('GET', '/api/admin/session');
  assert.equal(before.status, 401);
  assert.match(String(before.body.message), /setup link/);
  assert.equal((await admin.call('POST', '/api/admin/setup', { token: 'wrong', password: PASSWORD })).status, 401);
  assert.equal((await admin.call('POST', '/api/admin/setup', { token, password: 'short' })).status, 400);
  const setup = await admin.call('POST', '/api/admin/setup', { token, password: PASSWORD });
  assert.equal(setup.status, 200);
  const cookie = setup.headers.getSetCookie()[0]!;
  assert.match(
    cookie,
    /probe_session=[A-Za-z0-9_-]{40,}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/,
    'no Secure flag over plain HTTP',
  );
  assert.equal((await admin.call('POST', '/api/admin/setup', { token, password: 'another password' })).status, 401, 'the link works once');

  const other = client(s);
  assert.equal((await other.call('POST', '/api/admin/login', { password: 'not it at all' })).status, 401);
  const login = await other.call('POST', '/api/admin/login', { password: PASSWORD });
  assert.equal(login.status, 200);
  other.csrf = login.body.csrf as string;
  const session = await other.call('GET', '/api/admin/session');
  assert.equal(session.body.csrf, other.csrf);
  assert.equal((await other.call('POST', '/api/admin/logout', {})).status, 200);
  assert.equal((await other.call('GET', '/api/admin/session')).status, 401, 'logged out');
});

async function signedIn(t: Parameters<typeof startTestServer>[0], options = {}): Promise<{ s: TestServer; admin: Client }> {
  const s = await startTestServer(t, { ackIntervalMs: 0, ...options });
  const admin = client(s);
  const res = await admin.call('POST', '/api/admin/setup', { token: s.server.setupUrl!.split('#setup=')[1], password: PASSWORD });
  admin.csrf = res.body.csrf as string;
  return { s, admin };
}

test('state changes need the CSRF token, a JSON body and at most 16 KiB', async (t) => {
  const { admin } = await signedIn(t);
  const csrf = admin.csrf;
  admin.csrf = '';
  assert.equal((await admin.call('POST', '/api/admin/nodes', { name: 'x1' })).status, 403, 'no token');
  assert.equal((await admin.call('POST', '/api/admin/nodes', { name: 'x1' }, { 'X-CSRF-Token': 'forged' })).status, 403, 'wrong token');
  admin.csrf = csrf;
  assert.equal(
    (await admin.call('POST', '/api/admin/nodes', 'name=x1', { 'Content-Type': 'application/x-www-form-urlencoded' })).status,
    415,
    'a form post from another site is not JSON',
  );
  assert.equal((await admin.call('POST', '/api/admin/nodes', { name: 'x'.repeat(20_000) })).status, 413);
  assert.equal((await admin.call('POST', '/api/admin/nodes', '{broken')).status, 400);
  const added = await admin.call('POST', '/api/admin/nodes', { name: 'x1', group: 'g', location: 'de' });
  assert.equal(added.status, 201);
  assert.match(String(added.body.key), /^pk_/);
  assert.match(String(added.body.command), /^probe agent --server ws:\/\/\S+ --key pk_/);
});

test('ten wrong passwords from one address refuse it, even the right one, with Retry-After (more in sign-in-limits.test.ts)', async (t) => {
  const { s } = await signedIn(t);
  const guesser = client(s);
  for (let i = 0; i < 10; i++)
    assert.equal((await guesser.call('POST', '/api/admin/login', { password: `guess number ${i}` })).status, 401);
  const locked = await guesser.call('POST', '/api/admin/login', { password: PASSWORD });
  assert.equal(locked.status, 429);
  assert.ok(Number(locked.headers.get('retry-after')) >= 1);
  assert.equal(locked.body.code, 'PROBE_ERR_RATE');
});

test('sessions expire', async (t) => {
  const { admin } = await signedIn(t, { sessionTtlMs: 300 });
  assert.equal((await admin.call('GET', '/api/admin/session')).status, 200);
  await new Promise((r) => setTimeout(r, 400));
  assert.equal((await admin.call('GET', '/api/admin/session')).status, 401);
});

test('the admin renames, rotates (dropping the live agent at once), silences and removes', async (t) => {
  const { s, admin } = await signedIn(t);
  const added = await admin.call('POST', '/api/admin/nodes', { name: 'web-1' });
  const id = added.body.id as number;
  const agent = new TestAgent(s.ws, added.body.key as string);
  await agent.opened;
  agent.send(helloMessage());
  agent.sample(1, [1, 2, 3, 4]);
  await waitFor('acked', () => agent.of('ack').length > 0);

  assert.equal((await admin.call('PATCH', `/api/admin/nodes/${id}`, { name: 'web-2', group: 'eu', location: 'nl' })).status, 200);
  const [view] = await getJson<NodeView[]>(`${s.base}/api/nodes`);
  assert.deepEqual([view!.name, view!.group, view!.location], ['web-2', 'eu', 'NL']);
  const other = await admin.call('POST', '/api/admin/nodes', { name: 'db-1' });
  assert.equal((await admin.call('PATCH', `/api/admin/nodes/${other.body.id}`, { name: 'web-2' })).status, 409);
  assert.equal((await admin.call('PATCH', `/api/admin/nodes/${id}`, { location: 'Narnia' })).status, 400);

  const rotated = await admin.call('POST', `/api/admin/nodes/${id}/rotate-key`, {});
  assert.equal(rotated.status, 200);
  await waitFor('old agent dropped', () => agent.closeCode !== null, 3000);
  assert.equal(agent.closeCode, 4001);
  await assert.rejects(new TestAgent(s.ws, added.body.key as string).opened, /HTTP 401/);
  const fresh = new TestAgent(s.ws, rotated.body.key as string);
  await fresh.opened;
  fresh.close();

  const silence = await admin.call('POST', '/api/admin/silences', {
    node: 'web-2',
    until: new Date(Date.now() + 3_600_000).toISOString(),
    reason: 'upgrade',
  });
  assert.equal(silence.status, 201);
  assert.deepEqual(
    ((await admin.call('GET', '/api/admin/silences')).body as unknown as { node: string }[]).map((x) => x.node),
    ['web-2'],
  );
  assert.equal((await admin.call('POST', '/api/admin/silences', { until: 'soon' })).status, 400);

  assert.equal((await admin.call('DELETE', `/api/admin/nodes/${id}`)).status, 400, 'removing needs the name as confirmation');
  assert.equal((await admin.call('DELETE', `/api/admin/nodes/${id}?confirm=web-2`)).status, 200);
  assert.deepEqual(
    (await getJson<NodeView[]>(`${s.base}/api/nodes`)).map((n) => n.name),
    ['db-1'],
  );
  assert.equal((await admin.call('GET', '/api/admin/nodes/999')).status, 404);
});

test('`probe admin set-password` from a pipe sets the password a running server accepts', async (t) => {
  const s = await startTestServer(t);
  const set = spawnSync(BINARY, ['admin', 'set-password', '--data', s.dataDir], { input: `${PASSWORD}\n`, encoding: 'utf8' });
  assert.equal(set.status, 0, set.stderr);
  const admin = client(s);
  assert.equal((await admin.call('POST', '/api/admin/login', { password: PASSWORD })).status, 200);
  const short = spawnSync(BINARY, ['admin', 'set-password', '--data', s.dataDir], { input: 'short\n', encoding: 'utf8' });
  assert.equal(short.status, 1);
  assert.match(short.stderr, /at least 10 characters/);
});

test('a silence made in the admin mutes a firing alert’s notification (the event is still recorded); the test button reaches the channel', async (t) => {
  const receiver = await startReceiver(t);
  const s = await startTestServer(t, { ackIntervalMs: 0 }, (config) => {
    config.channels = parseChannels({ hook: { type: 'webhook', url: receiver.url } });
    config.rules = parseRules(
      { rules: [{ name: 'cpu-high', metric: 'cpu', op: '>', threshold: 50, for: '0s', notify: ['hook'] }] },
      config.channels,
    );
  });
  const admin = client(s);
  const setup = await admin.call('POST', '/api/admin/setup', { token: s.server.setupUrl!.split('#setup=')[1], password: PASSWORD });
  admin.csrf = setup.body.csrf as string;
  const agent = new TestAgent(s.ws, s.addNode('db-1'));
  await agent.opened;
  t.after(() => agent.close());
  agent.send(helloMessage());

  assert.equal(
    (
      await admin.call('POST', '/api/admin/silences', {
        rule: 'cpu-high',
        node: 'db-1',
        until: new Date(Date.now() + 3_600_000).toISOString(),
        reason: 'reindex',
      })
    ).status,
    201,
  );
  agent.sample(1, [90, 1, 2, 0.1]);
  const alerts = async () =>
    (await admin.call('GET', '/api/admin/alerts')).body as unknown as {
      firing: { rule: string; silenced: boolean }[];
      recent: { state: string }[];
    };
  await waitFor('firing, silenced', async () => (await alerts()).firing.some((a) => a.rule === 'cpu-high' && a.silenced), 5000);
  assert.deepEqual(
    (await alerts()).recent.map((e) => e.state),
    ['firing'],
    'the event is recorded',
  );
  agent.sample(2, [10, 1, 2, 0.1]);
  await waitFor('resolved', async () => (await alerts()).firing.length === 0, 5000);
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(receiver.requests, [], 'no notification while silenced');

  assert.equal((await admin.call('DELETE', '/api/admin/silences')).status, 200);
  agent.sample(3, [95, 1, 2, 0.1]);
  await waitFor('notified once the silence is gone', () => receiver.requests.some((r) => r.body.state === 'firing'), 5000);

  const tested = await admin.call('POST', '/api/admin/notify-test', { channel: 'hook' });
  assert.equal(tested.status, 200);
  await waitFor('test message', () => receiver.requests.some((r) => r.body.rule === 'test'), 5000);
  assert.equal((await admin.call('POST', '/api/admin/notify-test', { channel: 'nope' })).status, 404);
});
