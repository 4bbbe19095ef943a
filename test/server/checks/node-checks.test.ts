/**
 * @module Checks a node's agent runs from its own config file (`agent.checks`): the agent's run
 * function in-process, its config read from a real file, reporting to the real server on port 0;
 * a loopback HTTP server and a closed TCP port as targets. /api/checks lists them as
 * "<node>/<name>", guests not those of a hidden node, history and a `check` alert by that name.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { runAgent } from '../../../src/agent/run-agent';
import { parseRules } from '../../../src/alerts/rules';
import { loadConfig } from '../../../src/config/load';
import { parseNodeSettings } from '../../../src/config/page';
import { parseChannels } from '../../../src/notify/channels';
import type { ChecksAnswer, CheckView } from '../../../src/protocol/checks';
import type { HistoryAnswer } from '../../../src/protocol/history';
import { ProbeError } from '../../../src/util/errors';
import { tempDir, waitFor } from '../../helpers';
import { startReceiver } from '../../notify/receiver';
import type { TestServer } from '../test-server';
import { startTestServer } from '../test-server';

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function site(t: { after(fn: () => unknown): void }): Promise<string> {
  const server = http.createServer((_req, res) => res.end('hello from the node'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

/** The node's agent, its settings from a config file as `probe agent --config FILE` reads them. */
function startAgent(t: { after(fn: () => unknown): void }, s: TestServer, node: string, checks: unknown[]): void {
  // Stopped before its state dir is removed (after-hooks run in the order they were added).
  let stop: () => void = () => undefined;
  t.after(() => stop());
  const dir = tempDir(t);
  const file = path.join(dir, 'agent.json');
  writeFileSync(file, JSON.stringify({ agent: { server: s.ws, key: s.addNode(node), stateDir: path.join(dir, 'state'), checks } }));
  const config = loadConfig({ file });
  const agent = runAgent({ ...config.agent, buffer: { maxBytes: config.agent.bufferMaxBytes, maxAgeMs: config.agent.bufferMaxAgeMs } });
  stop = () => agent.stop();
}

/** An admin session on the server (the first password through its setup link). */
async function adminCookie(s: TestServer): Promise<string> {
  const res = await fetch(`${s.base}/api/admin/setup`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token: s.server.setupUrl!.split('#setup=')[1], password: 'a long enough password' }),
  });
  assert.equal(res.status, 200);
  return res.headers.getSetCookie()[0]!.split(';')[0]!;
}

async function list(s: TestServer, cookie?: string): Promise<CheckView[]> {
  const res = await fetch(`${s.base}/api/checks`, { headers: cookie ? { Cookie: cookie } : {} });
  return ((await res.json()) as ChecksAnswer).checks;
}

test("a node's own checks: listed with the node's name, hidden with the node, history and alerts by <node>/<name>", async (t) => {
  const url = await site(t);
  const port = await closedPort();
  const receiver = await startReceiver(t);
  const s = await startTestServer(t, { ackIntervalMs: 0 }, (config) => {
    config.nodes = parseNodeSettings({ vault: { hidden: true } });
    config.channels = parseChannels({ hook: { type: 'webhook', url: receiver.url } });
    config.rules = parseRules(
      { rules: [{ name: 'node-service-down', kind: 'check', for: '0s', checks: ['tokyo-1/closed'], notify: ['hook'] }] },
      config.channels,
    );
  });
  startAgent(t, s, 'tokyo-1', [
    { name: 'site', type: 'http', url, keyword: 'hello', interval: '5s' },
    { name: 'closed', type: 'tcp', host: `127.0.0.1:${port}`, interval: '5s' },
  ]);
  startAgent(t, s, 'vault', [{ name: 'inner', type: 'tcp', host: `127.0.0.1:${port}`, interval: '5s' }]);

  const admin = await adminCookie(s);
  const all = await waitFor('both agents report their checks', async () => {
    const checks = await list(s, admin);
    // Listed from the node's live values at once; uptime once the samples are stored.
    return checks.length === 3 && checks.every((c) => c.uptime['24h'] !== null) ? checks : null;
  });
  assert.deepEqual(
    all.map((c) => [c.name, c.node, c.type, c.up, c.hidden]),
    [
      ['tokyo-1/site', 'tokyo-1', 'http', true, false],
      ['tokyo-1/closed', 'tokyo-1', 'tcp', false, false],
      ['vault/inner', 'vault', 'tcp', false, true],
    ],
  );
  const [siteView, closedView] = all;
  assert.equal(typeof siteView!.latencyMs, 'number');
  assert.equal(closedView!.latencyMs, null);
  assert.equal(siteView!.uptime['24h'], 1);
  assert.equal(siteView!.daily.at(-1), 1);

  const guest = await list(s);
  assert.deepEqual(
    guest.map((c) => c.name),
    ['tokyo-1/site', 'tokyo-1/closed'],
    'guests do not see the checks of a hidden node',
  );
  const inner = all.find((c) => c.node === 'vault')!;
  assert.equal((await fetch(`${s.base}/api/checks/${inner.id}/history?range=1h`)).status, 404);
  const history = (await (await fetch(`${s.base}/api/checks/${siteView!.id}/history?range=1h`)).json()) as HistoryAnswer;
  assert.ok((history.up as (number | null)[]).includes(1), 'the history holds the node check under "up"');
  assert.ok(Array.isArray(history.latency_ms));

  await waitFor('the alert on tokyo-1/closed', () => receiver.requests.length > 0);
  const sent = receiver.requests.map((r) => `${r.body.rule} ${r.body.state} ${r.body.node}`);
  assert.deepEqual(sent, ['node-service-down firing tokyo-1/closed']);
});

test('a bad agent.checks entry: PROBE_ERR_CONFIG naming its key', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'agent.json');
  const bad = (checks: unknown[], key: RegExp) => {
    writeFileSync(file, JSON.stringify({ agent: { checks } }));
    assert.throws(
      () => loadConfig({ file }),
      (err: unknown) => err instanceof ProbeError && err.code === 'PROBE_ERR_CONFIG' && key.test(err.message) && err.message.includes(file),
    );
  };
  bad(
    [
      { name: 'ok', type: 'tcp', host: '127.0.0.1:1' },
      { name: 'web', type: 'https' },
    ],
    /agent\.checks\[1\]\.url/,
  );
  bad([{ name: 'my site', type: 'tcp', host: '127.0.0.1:1' }], /agent\.checks\[0\]\.name/);
  bad([{ name: 'web', type: 'ftp' }], /agent\.checks\[0\]\.type/);
  bad([{ name: 'web', type: 'tcp', host: '127.0.0.1:1', hidden: true }], /agent\.checks\[0\]\.hidden/);
  writeFileSync(file, JSON.stringify({ agent: { checks: [{ name: 'web', type: 'tcp', host: '127.0.0.1:1' }] } }));
  assert.deepEqual(
    loadConfig({ file }).agent.checks.map((c) => c.name),
    ['web'],
  );
});
