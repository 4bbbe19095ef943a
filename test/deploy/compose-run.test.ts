/**
 * deploy/compose run for real, without Docker (test/deploy/compose-rig.ts): the Compose file's
 * steps (`probe admin set-password`, `probe node add` as `docker compose exec probe-a` runs them;
 * a server's setup link does not work on the other),
 * then everything through the proxy only: the admin signs in and adds a node, a real agent
 * reports, page loads land on both servers and each shows the node live (own agent or peer feed),
 * the proxy names the client in X-Forwarded-For as trustProxy believes it, `kill -9` of the
 * agent's server moves the agent and every request to the other, and the health checks see it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import path from 'node:path';
import { test } from 'node:test';
import { BINARY, run, waitFor } from '../helpers';
import { LiveFeed, upgradeStatus } from '../e2e/peer-rig';
import { exportSeries } from '../e2e/tsdb';
import { Browser, CLIENT_ADDRESS } from './browser';
import { startCompose } from './compose-rig';
import type { ComposeRig, ProbeServer } from './compose-rig';

type Node = { name: string; online: boolean; lastSeen: number | null; values: Record<string, number> };
type Health = { status: string; agentsConnected: number; nodesViaPeers: number; clusterPeersConnected: number };
const PASSWORD = 'correct horse battery staple';
/** Caddy's `lb_policy cookie` names an upstream by HMAC-SHA256 of its address (no secret set in the Caddyfile). */
const upstreamCookie = (s: ProbeServer) => createHmac('sha256', '').update(s.address).digest('hex');

/** What `docker compose exec <server> probe …` prints. */
function composeExec(server: ProbeServer, args: string[], input?: string): string {
  return execFileSync(BINARY, args, { encoding: 'utf8', input, env: { ...process.env, ...server.env } });
}

/** The admin signs in at the proxy's URL (from 127.0.0.2, claiming another address) and adds a node. */
async function adminThroughProxy(rig: ComposeRig): Promise<Browser> {
  const admin = new Browser(rig.proxy);
  // The password set with `probe admin set-password` reaches the server the proxy picks through PostgreSQL.
  await waitFor(
    'sign-in through the proxy',
    async () => (await admin.request('POST', '/api/admin/login', { password: PASSWORD })).status === 200,
    15_000,
    250,
  );
  assert.ok(admin.cookies.has('probe_upstream'), 'the proxy keeps the admin on one server');
  const session = (await admin.get('/api/admin/session')).json<{ csrf: string }>();
  const added = await admin.request(
    'POST',
    '/api/admin/nodes',
    { name: 'web-2' },
    { 'x-csrf-token': session.csrf, 'x-forwarded-for': '203.0.113.9' },
  );
  assert.equal(added.status, 201, added.body);
  const [entry] = (await admin.get('/api/admin/audit?limit=1')).json<{ address: string; action: string }[]>();
  assert.match(entry!.action, /web-2/);
  assert.equal(entry!.address, CLIENT_ADDRESS, 'the audit names the client, not the proxy nor what the client claimed');
  return admin;
}

/** Page loads without a cookie until the proxy has sent one to each server; every load is the page. */
async function loadsReachBoth(rig: ComposeRig): Promise<void> {
  const want = new Set(rig.servers.map(upstreamCookie));
  const seen = new Set<string>();
  for (let i = 0; i < 60 && seen.size < 2; i++) {
    const page = new Browser(rig.proxy);
    const res = await page.get('/');
    assert.equal(res.status, 200);
    assert.match(res.body, /<html/i);
    const cookie = page.cookies.get('probe_upstream')!;
    assert.ok(want.has(cookie), `the proxy's cookie names one of the two servers (${cookie})`);
    seen.add(cookie);
  }
  assert.equal(seen.size, 2, 'page loads landed on both servers');
}

/** The page's data on `server`, through the proxy (its sticky cookie set as the proxy set it). */
async function viewOn(rig: ComposeRig, admin: Browser, server: ProbeServer) {
  const b = new Browser(rig.proxy, { ...Object.fromEntries(admin.cookies), probe_upstream: upstreamCookie(server) });
  const nodes = await b.get('/api/nodes');
  assert.equal(nodes.status, 200);
  const health = await b.get('/healthz');
  assert.equal(health.status, 200);
  return {
    node: nodes.json<Node[]>().find((n) => n.name === 'web-1'),
    names: nodes.json<Node[]>().map((n) => n.name),
    health: health.json<Health>(),
  };
}

/**
 * kill -9 of the agent's server: every request still answered, the agent back through the proxy on
 * the other server and web-1 live there; the proxy's active health check (/healthz every 5 s) finds
 * the killed server down and keeps the other; the other server remote-writes what it now takes.
 */
async function failover(rig: ComposeRig, admin: Browser, onAgent: ProbeServer, other: ProbeServer): Promise<void> {
  const killedAt = Date.now();
  await onAgent.proc.stop('SIGKILL');
  for (let i = 0; i < 8; i++) assert.equal((await new Browser(rig.proxy).get('/')).status, 200, 'no load fails after the kill');
  const stale = new Browser(rig.proxy, { ...Object.fromEntries(admin.cookies), probe_upstream: upstreamCookie(onAgent) });
  assert.equal((await stale.get('/api/nodes')).status, 200, 'a page stuck to the killed server is served by the other');
  assert.equal(stale.cookies.get('probe_upstream'), upstreamCookie(other), 'and stuck to the other from then on');
  const checkFailed = (s: ProbeServer) => new RegExp(`health_checker\\.active.*"host":"${s.address}".*/healthz`);
  await Promise.all([
    waitFor(
      'the agent on the other server, web-1 live there',
      async () => {
        const v = await viewOn(rig, admin, other);
        return v.health.agentsConnected === 1 && v.node?.online && (v.node.lastSeen ?? 0) > killedAt;
      },
      15_000,
    ),
    waitFor('the health check to find the killed server down', () => checkFailed(onAgent).test(rig.caddy.stderr()), 10_000),
    waitFor(
      "the other server's samples in VictoriaMetrics",
      async () => (await exportSeries(rig.vm, '{node="web-1"}')).some((s) => s.timestamps.some((ts) => ts > killedAt)),
      15_000,
    ),
  ]);
  for (let i = 0; i < 4; i++) assert.equal((await new Browser(rig.proxy).get('/')).status, 200, 'the other server still in the proxy');
  assert.doesNotMatch(rig.caddy.stderr(), checkFailed(other), 'the other server passes the health check');
}

test('deploy/compose run without Docker: the Caddyfile in front of two servers on PostgreSQL and VictoriaMetrics', async (t) => {
  const rig = await startCompose(t);
  const [a, b] = rig.servers as [ProbeServer, ProbeServer];

  // Why the Compose file has the password set with `probe admin set-password`: the setup link in
  // probe-a's log, opened by a browser the proxy sends to probe-b, is refused.
  const token = /#setup=([\w-]+)/.exec(a.proc.stdout())![1];
  const toB = new Browser(rig.proxy, { probe_upstream: upstreamCookie(b) });
  const refused = await toB.request('POST', '/api/admin/setup', { token, password: PASSWORD });
  assert.equal(refused.status, 401);
  assert.match(refused.body, /setup token is wrong/);
  // The Compose file's steps, in probe-a's container.
  composeExec(a, ['admin', 'set-password'], `${PASSWORD}\n`);
  const added = composeExec(a, ['node', 'add', 'web-1']);
  const command = /probe agent --server (\S+) --key (\S+)/.exec(added)!;
  assert.equal(command[1], rig.proxy.replace('http', 'ws'), 'the agent command names the proxy (PROBE_PUBLIC_URL)');

  const admin = await adminThroughProxy(rig);
  const agent = run(BINARY, ['agent', '--server', command[1]!, '--key', command[2]!, '--state-dir', path.join(rig.dir, 'agent')]);
  t.after(() => agent.stop());

  // Page loads land on either server; on each, web-1 is live: from its own agent on one, the peer feed on the other.
  await loadsReachBoth(rig);
  const views = async () => Promise.all([a, b].map((s) => viewOn(rig, admin, s)));
  const before = await waitFor(
    'web-1 live on both servers through the proxy',
    async () => {
      const v = await views();
      return v.every((x) => x.node?.online && Object.keys(x.node.values).length > 5) ? v : null;
    },
    15_000,
  );
  for (const v of before) assert.deepEqual(v.names.sort(), ['web-1', 'web-2'], 'both nodes known on both servers');
  assert.deepEqual(before.map((v) => v.health.agentsConnected + v.health.nodesViaPeers).sort(), [1, 1]);
  const onAgent = before[0]!.health.agentsConnected === 1 ? a : b;
  const other = onAgent === a ? b : a;
  assert.equal(before[onAgent === a ? 1 : 0]!.health.nodesViaPeers, 1, 'the other server shows it through the peer feed');

  // A page's live feed through the proxy (a WebSocket upgrade, like the agent's).
  const feed = new LiveFeed(rig.proxy);
  t.after(() => feed.close());
  await waitFor('web-1 live on /ws/live through the proxy', () => feed.node('web-1')?.view.online, 10_000);
  assert.equal(
    await upgradeStatus(`${rig.proxy.replace('http', 'ws')}/ws/live`, { Origin: rig.proxy }),
    101,
    "a browser's, with its Origin",
  );

  await failover(rig, admin, onAgent, other);
});
