/**
 * The status page in a real Chromium against the real executable: nodes render, values change
 * live without a reload, an offline node is shown as such, and the console stays clean.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { BINARY, run, tempDir, waitFor } from '../helpers';
import { TestAgent, helloMessage } from '../server/test-server';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

function addNode(dir: string, name: string, group: string): string {
  const out = execFileSync(BINARY, ['node', 'add', name, '--data', path.join(dir, 'data'), '--group', group, '--location', 'jp'], { encoding: 'utf8' });
  return /\n {2}(pk_[A-Za-z0-9_-]+)\n/.exec(out)![1]!;
}

test('the page shows nodes, updates live, greys out offline nodes, logs no errors', async (t) => {
  const dir = tempDir(t, 'probe-browser-');
  const server = run(BINARY, ['server', '--listen', '127.0.0.1:0', '--data', path.join(dir, 'data'), '--title', 'Fleet <status>'], { cwd: dir });
  t.after(() => server.stop());
  const base = await waitFor('server URL', () => /open (http:\/\/\S+)\//.exec(server.stdout())?.[1]);
  const ws = base.replace('http', 'ws');

  const live = new TestAgent(ws, addNode(dir, 'tokyo-1', 'asia'));
  const gone = new TestAgent(ws, addNode(dir, 'osaka-2', 'asia'));
  t.after(() => (live.close(), gone.close()));
  await Promise.all([live.opened, gone.opened]);
  live.send(helloMessage());
  gone.send(helloMessage());
  let ts = Math.floor(Date.now() / 1000) * 1000 - 10_000;
  live.sample(1, [11, 2 * 1024 ** 3, 8 * 1024 ** 3, 0.5], (ts += 1000));
  gone.sample(1, [5, 1 * 1024 ** 3, 4 * 1024 ** 3, 0.1], ts);
  await waitFor('acks', () => live.of('ack').length > 0 && gone.of('ack').length > 0);
  gone.close();

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(base + '/');

  assert.equal(await page.title(), 'Fleet <status>', 'title from config, escaped');
  const tokyo = page.locator('article[data-node="tokyo-1"]');
  await tokyo.waitFor();
  await waitFor('tokyo-1 shows 11% cpu', async () => (await tokyo.textContent())!.includes('11%'), 5000);
  assert.match((await tokyo.textContent())!, /2\.00 GiB \/ 8\.00 GiB/);
  assert.match((await tokyo.getAttribute('class'))!, /\bonline\b/);

  const osaka = page.locator('article[data-node="osaka-2"]');
  await waitFor('osaka-2 offline with last seen', async () => /offline · last seen/.test((await osaka.textContent())!), 5000);
  assert.match((await osaka.getAttribute('class'))!, /\boffline\b/);
  assert.equal(await page.getByTestId('online-count').textContent(), '1/2 online');

  const navigations: string[] = [];
  page.on('framenavigated', (f) => navigations.push(f.url()));
  live.sample(2, [77, 3 * 1024 ** 3, 8 * 1024 ** 3, 1.5], (ts += 1000));
  await waitFor('cpu changes to 77% without reload', async () => (await tokyo.textContent())!.includes('77%'), 5000);
  assert.deepEqual(navigations, [], 'no reload');
  assert.match((await tokyo.textContent())!, /3\.00 GiB \/ 8\.00 GiB/);

  const shots = tempDir(t, 'probe-shots-');
  await page.screenshot({ path: path.join(shots, 'overview-light.png'), fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: path.join(shots, 'overview-dark.png'), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(overflow, 0, 'no horizontal scroll on a phone');
  await page.screenshot({ path: path.join(shots, 'overview-mobile.png'), fullPage: true });
  if (process.env.PROBE_KEEP_SCREENSHOTS) execFileSync('cp', ['-r', shots, process.env.PROBE_KEEP_SCREENSHOTS]);

  assert.deepEqual(problems, [], 'no console errors');
});

test('the page shows a reconnecting state while the server is away and recovers by itself', async (t) => {
  const dir = tempDir(t, 'probe-browser-');
  const start = (listen: string) => run(BINARY, ['server', '--listen', listen, '--data', path.join(dir, 'data')], { cwd: dir });
  let server = start('127.0.0.1:0');
  const base = await waitFor('server URL', () => /open (http:\/\/\S+)\//.exec(server.stdout())?.[1]);
  addNode(dir, 'lonely', '');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.goto(base + '/');
  await page.locator('article[data-node="lonely"]').waitFor();
  await server.stop();
  await page.getByRole('status').filter({ hasText: 'reconnecting' }).waitFor({ timeout: 5000 });
  server = start(new URL(base).host);
  t.after(() => server.stop());
  await page.getByRole('status').waitFor({ state: 'detached', timeout: 15_000 });
  assert.equal(await page.locator('article[data-node="lonely"]').count(), 1);
});
