/**
 * Two real `probe server` processes sharing one real PostgreSQL (store.postgres), each with its own
 * data dir: the admin set up on A is signed in on B; a node added on A is accepted on B by key; with
 * the node's samples reaching both servers (one agent on each, same key), a rule crossing sends one
 * webhook; with PostgreSQL down, node changes are refused with PROBE_ERR_POSTGRES and agents are
 * still accepted from the mirror.
 */
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { BINARY, run, tempDir, waitFor } from '../helpers';
import { startReceiver } from '../notify/receiver';
import { startPostgres } from '../postgres';

function writeMetric(dir: string, value: number): void {
  const tmp = path.join(dir, 'queue.prom.tmp');
  writeFileSync(tmp, `# TYPE queue_depth gauge\nqueue_depth ${value}\n`);
  renameSync(tmp, path.join(dir, 'queue.prom'));
}

type Node = { name: string; online: boolean; lastSeen: number | null; values: Record<string, number> };
const nodes = async (base: string) => (await (await fetch(`${base}/api/nodes`)).json()) as Node[];

test('cluster: two servers, one PostgreSQL registry: shared sign-in, nodes and keys, one alert, refused writes while it is down', async (t) => {
  const dir = tempDir(t, 'probe-cluster-');
  const pg = await startPostgres(tempDir(t, 'probe-cluster-pg-'));
  t.after(() => pg.proc.stop('SIGINT'));
  const receiver = await startReceiver(t);
  const textfiles = path.join(dir, 'textfiles');
  mkdirSync(textfiles);
  writeMetric(textfiles, 1);
  writeFileSync(
    path.join(dir, 'probe.json'),
    JSON.stringify({
      notifications: { hook: { type: 'webhook', url: receiver.url } },
      alerts: { rules: [{ name: 'queue-high', metric: 'custom.queue_depth', op: '>', threshold: 10, severity: 'critical', notify: ['hook'] }] },
    }),
  );
  const server = async (name: string) => {
    const proc = run(BINARY, ['server', '--config', 'probe.json', '--listen', '127.0.0.1:0', '--data', path.join(dir, name)], {
      cwd: dir,
      env: { PROBE_STORE_POSTGRES: pg.url.replace('probe@', 'probe:s3cret-pw@') },
    });
    t.after(() => proc.stop());
    const base = await waitFor(`server ${name}`, () => /open (http:\/\/\S+)\//.exec(proc.stdout())?.[1], 20_000);
    return { proc, base };
  };
  const a = await server('a');
  const b = await server('b');

  // The admin chooses a password on A; the session cookie A sets works on B.
  const setup = /Choose one at \S+#setup=([A-Za-z0-9_-]+)/.exec(a.proc.stdout())![1]!;
  const signIn = await fetch(`${a.base}/api/admin/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: setup, password: 'correct horse battery' }),
  });
  assert.equal(signIn.status, 200);
  const { csrf } = (await signIn.json()) as { csrf: string };
  const cookie = signIn.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const admin = (base: string, method: string, route: string, body?: unknown) =>
    fetch(`${base}/api/admin/${route}`, {
      method,
      headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  await waitFor('the session to work on B', async () => (await admin(b.base, 'GET', 'session')).status === 200);

  // A node added on A: its key is accepted on B.
  const added = await admin(a.base, 'POST', 'nodes', { name: 'n1', group: 'g1' });
  assert.equal(added.status, 201);
  const { key } = (await added.json()) as { key: string };
  const agent = (name: string, base: string) => {
    const proc = run(
      BINARY,
      ['agent', '--server', base.replace('http', 'ws'), '--state-dir', path.join(dir, name), '--textfile-dir', textfiles],
      { cwd: dir, env: { PROBE_KEY: key } },
    );
    t.after(() => proc.stop());
    return proc;
  };
  const onB = agent('agent-b', b.base);
  agent('agent-a', a.base);
  for (const s of [a, b])
    await waitFor('samples on both servers', async () => (await nodes(s.base))[0]?.values['custom.queue_depth'] === 1, 20_000);

  // The rule crosses on both servers: one webhook.
  writeMetric(textfiles, 50);
  for (const s of [a, b])
    await waitFor('the crossing on both servers', async () => (await nodes(s.base))[0]?.values['custom.queue_depth'] === 50, 20_000);
  await waitFor('firing', () => receiver.requests.length >= 1, 15_000);
  // A sample more on each after the crossing: a second notification would have been claimed by then.
  for (const s of [a, b]) {
    const at = (await nodes(s.base))[0]!.lastSeen!;
    await waitFor('the next sample', async () => ((await nodes(s.base))[0]?.lastSeen ?? 0) > at, 15_000);
  }
  assert.deepEqual(
    receiver.requests.map((r) => `${r.body.rule} ${r.body.node} ${r.body.state}`),
    ['queue-high n1 firing'],
  );

  // PostgreSQL down: node changes refused, agents still accepted from the mirror.
  await pg.proc.stop('SIGINT');
  await waitFor('PostgreSQL loss seen on A', () => /lost PostgreSQL/.test(a.proc.stderr() + a.proc.stdout()), 15_000);
  const refused = await admin(a.base, 'POST', 'nodes', { name: 'n2' });
  assert.equal(refused.status, 503);
  assert.equal(((await refused.json()) as { code: string }).code, 'PROBE_ERR_POSTGRES');
  await onB.stop();
  await waitFor('n1 offline on B', async () => !(await nodes(b.base))[0]?.online, 15_000);
  agent('agent-b2', b.base);
  await waitFor('n1 back on B without PostgreSQL', async () => (await nodes(b.base))[0]?.online, 20_000);

  for (const s of [a, b]) assert.doesNotMatch(s.proc.stdout() + s.proc.stderr(), /s3cret-pw/, 'the password is never logged');
});
