/**
 * A full disk under the server, for real: its data directory on a 48 MB tmpfs filled with dd.
 * The agent stays on its one connection (the server says `hold` instead of acks), /healthz says
 * degraded, the admin (in Chromium) shows its banner, one alert reaches the webhook; space back,
 * the alert resolves and the banner goes, every sample is stored once and the database passes its
 * integrity check.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { HealthView } from '../../src/protocol/messages';
import { openSqliteStore } from '../../src/store/sqlite-store';
import { adminPage, launchChromium } from '../browser';
import { BINARY, listeningUrl, run, tempDir, waitFor } from '../helpers';
import { startReceiver } from '../notify/receiver';
import { mountTmpfs } from '../tmpfs';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function health(base: string): Promise<{ status: number; body: HealthView }> {
  const res = await fetch(`${base}/healthz`);
  return { status: res.status, body: (await res.json()) as HealthView };
}

test('the server on a full disk: agents hold, /healthz degraded, one alert; space back: nothing lost, integrity ok', {
  timeout: 120_000,
}, async (t) => {
  const disk = mountTmpfs(t, '48m');
  const dir = tempDir(t, 'probe-full-disk-');
  const data = path.join(disk.dir, 'data');
  const receiver = await startReceiver(t);
  writeFileSync(path.join(dir, 'probe.json'), JSON.stringify({ notifications: { hook: { type: 'webhook', url: receiver.url } } }));
  const server = run(BINARY, ['server', '--config', 'probe.json', '--listen', '127.0.0.1:0', '--data', data], { cwd: dir });
  t.after(() => server.stop('SIGKILL'));
  const base = await listeningUrl(server, 'server URL');
  const out = execFileSync(BINARY, ['node', 'add', 'full', '--data', data], { encoding: 'utf8' });
  const key = /\n {2}(pk_\S+)\n/.exec(out)![1]!;
  const agent = run(BINARY, ['agent', '--server', base.replace('http', 'ws'), '--interval', '1s', '--state-dir', path.join(dir, 'agent')], {
    cwd: dir,
    env: { PROBE_KEY: key },
  });
  t.after(() => agent.stop('SIGKILL'));
  await waitFor('agent connected', () => /connected to server/.test(agent.stderr()), 20_000);
  const password = 'correct horse battery';
  assert.equal(spawnSync(BINARY, ['admin', 'set-password', '--data', data], { input: `${password}\n` }).status, 0);
  // Signed in while the disk has room: a session is a write too.
  const admin = await adminPage(await launchChromium(t), base, password);
  assert.equal(await admin.getByTestId('not-storing').count(), 0);

  disk.fill();
  await waitFor('the server notices', () => /not storing samples/.test(server.stderr()), 20_000);
  const during = await health(base);
  assert.equal(during.status, 503);
  assert.equal(during.body.status, 'degraded');
  assert.equal(during.body.reason, 'disk full');
  await waitFor('the alert', () => receiver.requests.length >= 1, 15_000);
  assert.equal(receiver.requests[0]!.body.state, 'firing');
  assert.equal(receiver.requests[0]!.body.rule, 'storage');
  await waitFor('the agent hears hold', () => /server is not storing samples/.test(agent.stderr()), 10_000);
  // The admin polls /healthz every 5 s.
  await admin.getByTestId('not-storing').waitFor({ timeout: 10_000 });
  assert.match((await admin.getByTestId('not-storing').textContent())!, /has not stored samples for .* \(disk full\)/);
  // Twice the agent's silence timeout (2 s at 1 s samples): it stays on its connection.
  await sleep(4000);
  assert.equal(
    (agent.stderr().match(/connected to server/g) ?? []).length,
    1,
    `no reconnect while the server holds; the agent said:\n${agent.stderr().slice(-2000)}`,
  );
  assert.doesNotMatch(agent.stderr(), /no word from the server/);

  disk.free();
  await waitFor('storing again', async () => (await health(base)).status === 200, 20_000);
  await waitFor('resolved', () => receiver.requests.some((r) => r.body.state === 'resolved'), 15_000);
  assert.equal(receiver.requests.length, 2, 'one firing, one resolved');
  await waitFor('the agent hears acks again', () => /server stores samples again/.test(agent.stderr()), 10_000);
  await admin.getByTestId('not-storing').waitFor({ state: 'detached', timeout: 10_000 });
  await sleep(1500);
  assert.equal(await agent.stop('SIGTERM'), 0);
  assert.equal(await server.stop('SIGTERM'), 0, `server exits cleanly: ${server.stderr().slice(-500)}`);
  const store = openSqliteStore(data);
  try {
    assert.deepEqual(store.integrityCheck(), []);
    const seqs = store.samples(store.listNodes()[0]!.id, 0, Date.now() + 60_000).map((s) => s.seq);
    assert.ok(seqs.length >= 12, `${seqs.length} samples`);
    assert.deepEqual(
      seqs,
      Array.from({ length: seqs.length }, (_, i) => i + 1),
      'every seq once, none missing',
    );
  } finally {
    store.close();
  }
});
