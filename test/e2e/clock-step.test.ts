/**
 * The server's system clock stepped back mid-run (NTP correcting it), and the server restarted on
 * that clock: every sample stored once, in order, none stamped before one already stored.
 * The real binary under libfaketime, whose offset a file sets while the process runs; the
 * monotonic clock is left alone, as NTP leaves it. The admin (in Chromium) says the server's time
 * is ahead of its clock, and tags a node whose own clock is an hour ahead.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { NodeView } from '../../src/protocol/messages';
import { openSqliteStore } from '../../src/store/sqlite-store';
import { adminPage, launchChromium } from '../browser';
import { BINARY, getJson, listeningUrl, run, tempDir, waitFor } from '../helpers';
import { TestAgent, helloMessage } from '../server/test-server';

const STEP_S = 90;
/** Debian's faketime package (test/requirements.mjs names it). */
const FAKETIME_LIB = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

test('the server clock stepped back 90 s mid-run, then a restart on it: every sample once, in order', async (t) => {
  const dir = tempDir(t, 'probe-clock-');
  const data = path.join(dir, 'data');
  const offsetFile = path.join(dir, 'faketime');
  writeFileSync(offsetFile, '+0\n');
  const env = {
    LD_PRELOAD: FAKETIME_LIB,
    FAKETIME_TIMESTAMP_FILE: offsetFile,
    FAKETIME_NO_CACHE: '1',
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
  };
  const startServer = async (listen: string) => {
    const proc = run(BINARY, ['server', '--listen', listen, '--data', data], { cwd: dir, env });
    const base = await listeningUrl(proc, 'server URL');
    return { proc, base };
  };
  let server = await startServer('127.0.0.1:0');
  t.after(() => server.proc.stop('SIGKILL'));
  const port = new URL(server.base).port;
  const key = /\n {2}(pk_\S+)\n/.exec(execFileSync(BINARY, ['node', 'add', 'n1', '--data', data], { encoding: 'utf8' }))![1]!;
  const agent = run(
    BINARY,
    ['agent', '--server', `ws://127.0.0.1:${port}`, '--interval', '1s', '--state-dir', path.join(dir, 'agent-state')],
    { cwd: dir, env: { PROBE_KEY: key } },
  );
  t.after(() => agent.stop('SIGKILL'));
  const n1 = async () => (await getJson<NodeView[]>(`${server.base}/api/nodes`)).find((n) => n.name === 'n1');
  const lastSeen = async () => (await n1())?.lastSeen ?? 0;
  await waitFor('agent online', async () => (await n1())?.online, 20_000);
  await new Promise((r) => setTimeout(r, 2500));

  writeFileSync(offsetFile, `-${STEP_S}\n`);
  const steppedAt = Date.now();
  const beforeStep = await lastSeen();
  await new Promise((r) => setTimeout(r, 4000));
  assert.ok((await lastSeen()) > beforeStep, 'the node stays live: its newest sample keeps moving on');
  const output = () => server.proc.stdout() + server.proc.stderr();
  await waitFor('the step logged', () => output().includes('the system clock stepped back'), 20_000);

  // Down and up again on the clock now 90 s behind what is stored: soon after the step, while the
  // server's eased time is still within a second of the node's (docs/operations.md says what a
  // kill -9 right after a node's clock offset moved can do).
  await server.proc.stop('SIGKILL');
  server = await startServer(`127.0.0.1:${port}`);
  await waitFor('the agent back', () => (agent.stderr().match(/connected to server/g) ?? []).length >= 2, 20_000);

  // A node whose clock is an hour ahead, and the admin looking at both.
  const hourAhead = 3_600_000;
  const aheadKey = /\n {2}(pk_\S+)\n/.exec(execFileSync(BINARY, ['node', 'add', 'ahead', '--data', data], { encoding: 'utf8' }))![1]!;
  const ahead = await waitFor('the new node accepted', async () => {
    const a = new TestAgent(server.base.replace('http', 'ws'), aheadKey);
    try {
      await a.opened;
    } catch {
      return null;
    }
    a.send({ ...helloMessage(), ts: Date.now() + hourAhead });
    await waitFor('welcome', () => a.of('welcome').length > 0 || a.closeCode !== null, 5000);
    return a.closeCode === null ? a : null;
  });
  t.after(() => ahead.close());
  for (let seq = 1; seq <= 3; seq++) ahead.sample(seq, [1, 2, 3, 4], Date.now() + hourAhead);
  const password = 'correct horse battery';
  assert.equal(spawnSync(BINARY, ['admin', 'set-password', '--data', data], { input: `${password}\n` }).status, 0);
  const admin = await adminPage(await launchChromium(t), server.base, password);
  // After the restart the step shown is how far ahead the server resumed: the 90 s less the easing
  // (1/16 of the time since the step), which a loaded machine makes longer.
  const notice = (await admin.getByTestId('server-clock').textContent())!;
  const shown = /system clock went back (\d+)m (\d+)s: the server keeps counting its own time, now (\d+)m (\d+)s ahead/.exec(notice);
  assert.ok(shown, notice);
  const [by, aheadS] = [Number(shown[1]) * 60 + Number(shown[2]), Number(shown[3]) * 60 + Number(shown[4])];
  const least = STEP_S - (Date.now() - steppedAt) / 16 / 1000 - 1;
  assert.ok(by <= STEP_S && by >= least, `stepped back ${by} s, between ${least.toFixed(1)} and ${STEP_S}`);
  // Read later than the step, and each figure shown in whole seconds: up to 3 s less than the step.
  assert.ok(aheadS <= by && aheadS >= by - 3, `ahead ${aheadS} s, between ${by - 3} and ${by}`);
  assert.match((await admin.getByTestId('clock-off-ahead').textContent())!, /^clock 1h( 0m)? ahead$/);
  assert.equal(await admin.getByTestId('clock-off-n1').count(), 0, 'the real agent, on time, has no tag');
  await admin.screenshot({ path: path.join(dir, 'admin-clock.png'), fullPage: true });
  if (process.env.PROBE_KEEP_SCREENSHOTS) execFileSync('cp', [path.join(dir, 'admin-clock.png'), process.env.PROBE_KEEP_SCREENSHOTS]);
  ahead.close();

  const back = await lastSeen();
  await waitFor('samples after the restart', async () => (await lastSeen()) > back + 2000, 20_000);
  await agent.stop('SIGTERM');
  await server.proc.stop('SIGTERM');

  const store = openSqliteStore(data);
  t.after(() => store.close());
  const node = store.listNodes().find((n) => n.name === 'n1');
  const samples = store.samples(node!.id, 0, Date.now() + 3_600_000);
  assert.ok(samples.length >= 10, `${samples.length} samples`);
  assert.deepEqual(
    samples.map((s) => s.seq),
    Array.from({ length: samples.length }, (_, i) => i + 1),
    'every seq from 1 to the last, once',
  );
  for (let i = 1; i < samples.length; i++) {
    const gap = samples[i]!.ts - samples[i - 1]!.ts;
    // About 1 s apart (15/16 of that while the server eases back; a sample the agent made while
    // the server was down may be squeezed in after the one before): never back, never the same stamp.
    assert.ok(gap > 0, `sample ${samples[i]!.seq} stamped ${gap} ms after the one before`);
  }
});
