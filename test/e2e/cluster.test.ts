/**
 * Two real `probe server` processes sharing one real PostgreSQL (store.postgres), each with its own
 * data dir: the admin set up on A is signed in on B; a node added on A is accepted on B by key; with
 * the node's samples reaching both servers (one agent on each, same key), a rule crossing sends one
 * webhook; with PostgreSQL down, node changes are refused with PROBE_ERR_POSTGRES and agents are
 * still accepted from the mirror.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { BINARY, listeningUrl, run, tempDir, waitFor } from '../helpers';
import type { Running } from '../helpers';
import { startReceiver } from '../notify/receiver';
import { startPostgres } from '../postgres';
import { freePort } from './tsdb';

function writeMetric(dir: string, value: number): void {
  const tmp = path.join(dir, 'queue.prom.tmp');
  writeFileSync(tmp, `# TYPE queue_depth gauge\nqueue_depth ${value}\n`);
  renameSync(tmp, path.join(dir, 'queue.prom'));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Node = { name: string; online: boolean; lastSeen: number | null; values: Record<string, number> };
const nodes = async (base: string) => (await (await fetch(`${base}/api/nodes`)).json()) as Node[];

/** PostgreSQL, a webhook receiver, and servers A and B (each its own data dir) with one config sharing it. */
async function startRig(t: TestContext, serverArgs: string[] = []) {
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
      alerts: {
        rules: [
          { name: 'queue-high', metric: 'custom.queue_depth', op: '>', threshold: 10, severity: 'critical', notify: ['hook'] },
          { name: 'down', kind: 'offline', for: '1s', severity: 'critical', notify: ['hook'] },
        ],
      },
    }),
  );
  const env = { PROBE_STORE_POSTGRES: pg.url.replace('probe@', 'probe:s3cret-pw@') };
  const server = async (name: string) => {
    const proc = run(
      BINARY,
      ['server', '--config', 'probe.json', '--listen', '127.0.0.1:0', '--data', path.join(dir, name), ...serverArgs],
      { cwd: dir, env },
    );
    t.after(() => proc.stop());
    const base = await listeningUrl(proc, `server ${name}`);
    return { proc, base };
  };
  const a = await server('a');
  const b = await server('b');
  return { dir, pg, receiver, textfiles, env, a, b, server };
}

/**
 * The admin chooses a password on A through the setup link; returns a fetch of admin routes with
 * the session A set, for any server.
 */
async function adminOn(a: { proc: Running; base: string }) {
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
  return (base: string, method: string, route: string, body?: unknown) =>
    fetch(`${base}/api/admin/${route}`, {
      method,
      headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
}

type Rig = Awaited<ReturnType<typeof startRig>>;

/**
 * PostgreSQL back: the servers reconnect; `probe node add` straight into it, an edit on A and a
 * removal on B reach both; `probe node add` on a member's data dir without store.postgres is
 * refused; `probe admin set-password` signs in on B and ends A's session.
 */
async function backTogether({ dir, pg, env, a, b }: Rig, admin: Awaited<ReturnType<typeof adminOn>>) {
  // PostgreSQL back: the servers reconnect, and a node added with `probe node add` straight into it is known on both.
  await pg.restart();
  await waitFor('A to reconnect', () => /registry loaded from PostgreSQL again/.test(a.proc.stdout() + a.proc.stderr()), 20_000);
  const out = execFileSync(BINARY, ['node', 'add', 'n3', '--data', path.join(dir, 'cli')], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  assert.match(out, /Added node "n3"/);
  for (const s of [a, b])
    await waitFor(
      `n3 on ${s.base}`,
      async () => ((await (await admin(s.base, 'GET', 'nodes')).json()) as Node[]).some((n) => n.name === 'n3'),
      20_000,
    );

  // What the admin edits of a node on A shows on B; a node removed on B is gone on A.
  const adminNodes = async (base: string) => (await (await admin(base, 'GET', 'nodes')).json()) as (Node & { id: number; group: string })[];
  const n1 = (await adminNodes(a.base)).find((n) => n.name === 'n1')!;
  assert.equal((await admin(a.base, 'PATCH', `nodes/${n1.id}`, { group: 'g2', location: 'JP' })).status, 200);
  await waitFor('the edit on B', async () => (await adminNodes(b.base)).find((n) => n.id === n1.id)?.group === 'g2', 20_000);
  const n3 = (await adminNodes(b.base)).find((n) => n.name === 'n3')!;
  assert.equal((await admin(b.base, 'DELETE', `nodes/${n3.id}?confirm=n3`)).status, 200);
  await waitFor('n3 gone on A', async () => !(await adminNodes(a.base)).some((n) => n.name === 'n3'), 20_000);

  // Without store.postgres, a server's mirror is not changed behind the registry's back.
  const local = spawnSync(BINARY, ['node', 'add', 'n4', '--data', path.join(dir, 'a')], { encoding: 'utf8' });
  assert.equal(local.status, 2);
  assert.match(local.stderr, /PROBE_ERR_CONFIG: this data directory mirrors a PostgreSQL registry/);

  // `probe admin set-password` with store.postgres: the new password signs in on B; the old session is over on A.
  execFileSync(BINARY, ['admin', 'set-password', '--data', path.join(dir, 'cli')], {
    input: 'another good passphrase\n',
    env: { ...process.env, ...env },
  });
  const login = async () =>
    (
      await fetch(`${b.base}/api/admin/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ password: 'another good passphrase' }),
      })
    ).status;
  await waitFor('the new password on B', async () => (await login()) === 200, 20_000);
  await waitFor('the old session over on A', async () => (await admin(a.base, 'GET', 'session')).status === 401, 20_000);
}

test('cluster: two servers, one PostgreSQL registry: shared sign-in, nodes and keys, one alert, refused writes while it is down', async (t) => {
  const rig = await startRig(t);
  const { dir, pg, receiver, textfiles, a, b } = rig;
  const admin = await adminOn(a);
  await waitFor('the session A set to work on B', async () => (await admin(b.base, 'GET', 'session')).status === 200);

  // A node added on A: its key is accepted on B.
  const added = await admin(a.base, 'POST', 'nodes', { name: 'n1', group: 'g1' });
  assert.equal(added.status, 201);
  const { key } = (await added.json()) as { key: string };
  // One audit log for the cluster: B shows the change made on A, and A one made on B, in time order.
  // (A silence of a rule the test does not have: it changes nothing the test counts.)
  const until = new Date(Date.now() + 60_000).toISOString();
  assert.equal((await admin(b.base, 'POST', 'silences', { rule: 'audit-check', until })).status, 201);
  const actions = async (base: string) => ((await (await admin(base, 'GET', 'audit')).json()) as { action: string }[]).map((e) => e.action);
  for (const s of [a, b])
    await waitFor(
      'both changes in each audit log',
      async () => {
        const log = await actions(s.base);
        const node = log.findIndex((x) => x.includes('n1'));
        const silence = log.findIndex((x) => x.includes('silence'));
        return node >= 0 && silence >= 0 && silence < node;
      },
      15_000,
    );
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
  const onA = agent('agent-a', a.base);
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

  // The agent on B stops: A still has the node, so B's offline rule holds back. This can only pass
  // vacuously when B has not judged yet (two of its 5 s ticks and presence rounds are given), never fail by timing.
  await onB.stop();
  await waitFor('n1 offline on B', async () => !(await nodes(b.base))[0]?.online, 15_000);
  // The queue drains: only A, which has the agent, judges it resolved; B lists the event all the same.
  writeMetric(textfiles, 0);
  await waitFor('resolved', () => receiver.requests.length >= 2, 20_000);
  const recent = async (base: string) =>
    ((await (await admin(base, 'GET', 'alerts')).json()) as { recent: { rule: string; state: string }[] }).recent.map(
      (e) => `${e.rule} ${e.state}`,
    );
  await waitFor("the resolve in B's list", async () => (await recent(b.base))[0] === 'queue-high resolved', 10_000);
  await sleep(12_000);
  assert.deepEqual(
    receiver.requests.map((r) => `${r.body.rule} ${r.body.state}`),
    ['queue-high firing', 'queue-high resolved'],
    'no offline alert while another server has the node',
  );
  // Now no server has it: one offline alert across both.
  await onA.stop();
  await waitFor('offline alert', () => receiver.requests.some((r) => r.body.rule === 'down'), 40_000);
  await waitFor(
    'both servers to judge it',
    async () => {
      const firing = await Promise.all(
        [a, b].map(async (s) => (await (await fetch(`${s.base}/api/alerts`)).json()) as { firing: unknown[] }),
      );
      return firing.every((f) => f.firing.length === 1);
    },
    20_000,
  );
  assert.deepEqual(
    receiver.requests.map((r) => `${r.body.rule} ${r.body.state}`),
    ['queue-high firing', 'queue-high resolved', 'down firing'],
  );
  // One list of events across the servers, each event once, whichever server judged or sent it.
  for (const s of [a, b])
    await waitFor(
      'the same events on both servers, once each',
      async () => (await recent(s.base)).join() === ['down firing', 'queue-high resolved', 'queue-high firing'].join(),
      10_000,
    );

  // PostgreSQL down: node changes refused, agents still accepted from the mirror.
  await pg.proc.stop('SIGINT');
  await waitFor('PostgreSQL loss seen on A', () => /lost PostgreSQL/.test(a.proc.stderr() + a.proc.stdout()), 15_000);
  const refused = await admin(a.base, 'POST', 'nodes', { name: 'n2' });
  assert.equal(refused.status, 503);
  assert.equal(((await refused.json()) as { code: string }).code, 'PROBE_ERR_POSTGRES');
  agent('agent-b2', b.base);
  await waitFor('n1 back on B without PostgreSQL', async () => (await nodes(b.base))[0]?.online, 20_000);

  await backTogether(rig, admin);

  for (const s of [a, b]) assert.doesNotMatch(s.proc.stdout() + s.proc.stderr(), /s3cret-pw/, 'the password is never logged');
});

test('cluster: probe server with an unreachable store.postgres stops at start with PROBE_ERR_POSTGRES, without the password', async (t) => {
  const dir = tempDir(t, 'probe-cluster-down-');
  const port = await freePort();
  const proc = run(BINARY, ['server', '--listen', '127.0.0.1:0', '--data', path.join(dir, 'data')], {
    cwd: dir,
    env: { PROBE_STORE_POSTGRES: `postgres://probe:s3cret-pw@127.0.0.1:${port}/probe` },
  });
  t.after(() => proc.stop());
  const code = await waitFor('the server to stop', () => proc.child.exitCode, 20_000);
  assert.equal(code, 1);
  assert.match(proc.stderr(), /PROBE_ERR_POSTGRES/);
  assert.match(proc.stderr(), /postgres:\/\/probe:\*\*\*@127\.0\.0\.1/);
  assert.doesNotMatch(proc.stdout() + proc.stderr(), /s3cret-pw/);
});

test('cluster with --local-agent: each server reports its own machine as a registry node, and keeps it across a restart', async (t) => {
  const rig = await startRig(t, ['--local-agent']);
  const host = os.hostname();
  const names = async (base: string) => (await nodes(base)).map((n) => n.name).sort();
  // Both machines are this one: the second server's node takes the next free name.
  await waitFor(
    'both local nodes in both servers',
    async () => (await names(rig.a.base)).length === 2 && (await names(rig.b.base)).length === 2,
  );
  assert.deepEqual(await names(rig.a.base), [host, `${host}-2`].sort());
  assert.deepEqual(await names(rig.b.base), await names(rig.a.base));
  const onlineOn = async (base: string) => (await nodes(base)).filter((n) => n.online).map((n) => n.name);
  await waitFor(
    'each server has its own node online',
    async () => (await onlineOn(rig.a.base)).length === 1 && (await onlineOn(rig.b.base)).length === 1,
  );
  const [aOwn] = await onlineOn(rig.a.base);
  assert.notDeepEqual([aOwn], await onlineOn(rig.b.base), 'two different nodes');

  assert.equal(await rig.a.proc.stop('SIGTERM'), 0);
  const again = await rig.server('a');
  await waitFor('A back with its node, under a new key', async () => (await onlineOn(again.base)).includes(aOwn!));
  assert.deepEqual(await names(again.base), [host, `${host}-2`].sort(), 'no third node after the restart');
  assert.deepEqual(await names(rig.b.base), [host, `${host}-2`].sort());
});
