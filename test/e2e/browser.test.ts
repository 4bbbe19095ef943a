/**
 * The status page in a real Chromium against the real executable with protocol-speaking agents:
 * every visible node renders (a hidden one never reaches the browser), values change live without a
 * reload, an offline node shows as offline, filter / sort / table / theme / language work and are
 * remembered, the node page draws charts from the history API, phones get no horizontal scroll,
 * and the console stays clean. Screenshots land in a temp dir (copied to $PROBE_KEEP_SCREENSHOTS if set).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchChromium } from '../browser';
import { BINARY, listeningUrl, run, tempDir, waitFor } from '../helpers';
import { TestAgent, helloMessage } from '../server/test-server';

const GiB = 1024 ** 3;

function addNode(dir: string, name: string, group: string, location = 'jp'): string {
  const out = execFileSync(BINARY, ['node', 'add', name, '--data', path.join(dir, 'data'), '--group', group, '--location', location], {
    encoding: 'utf8',
  });
  return /\n {2}(pk_[A-Za-z0-9_-]+)\n/.exec(out)![1]!;
}

function values(cpu: number, memUsed: number, rxTotal: number) {
  return {
    cpu,
    memUsedBytes: memUsed,
    memTotalBytes: 8 * GiB,
    swapUsedBytes: 0.25 * GiB,
    swapTotalBytes: 1 * GiB,
    diskUsedBytes: 40 * GiB,
    diskTotalBytes: 100 * GiB,
    netRxBytesPerSec: 2048,
    netTxBytesPerSec: 1024,
    netRxBytesTotal: rxTotal,
    netTxBytesTotal: rxTotal / 2,
    load1: 0.5,
    load5: 0.4,
    load15: 0.3,
    uptimeSec: 90_000,
    tcpConnections: 12,
    'latency.cu': 32.5,
    'loss.cu': 10,
    'cpuCore.0': cpu - 1,
    'cpuCore.1': cpu + 1,
    tempCelsius: 54,
    'temp.coretemp.package_id_0': 54,
    'temp.nvme.composite': 41.9,
    gpuUtil: 35,
    gpuMemUsedBytes: 2 * GiB,
    gpuMemTotalBytes: 8 * GiB,
    'gpuUtil.0': 35,
    'gpuMemUsedBytes.0': 2 * GiB,
  };
}

async function noHorizontalScroll(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

function collectProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  return problems;
}

test('the status page: live overview, hidden nodes, controls, node charts, themes, languages, phones', async (t) => {
  const dir = tempDir(t, 'probe-browser-');
  // Ten calendar days from today where the browser runs (this machine's time zone), whatever the hour.
  const day = new Date();
  day.setDate(day.getDate() + 10);
  const expires = `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`;
  writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({
      server: { title: 'Fleet <status>' },
      page: { description: 'Everything we run', links: [{ label: 'Docs', url: 'https://example.com/docs' }] },
      nodes: {
        'tokyo-1': { price: '$5', billing: 'monthly', expires, trafficLimit: '10GiB', note: 'primary' },
        'secret-3': { hidden: true },
      },
    }),
  );
  const server = run(BINARY, ['server', '--config', 'config.json', '--listen', '127.0.0.1:0', '--data', path.join(dir, 'data')], {
    cwd: dir,
  });
  t.after(() => server.stop());
  const base = await listeningUrl(server, 'server URL');
  const ws = base.replace('http', 'ws');

  const live = new TestAgent(ws, addNode(dir, 'tokyo-1', 'asia'));
  const gone = new TestAgent(ws, addNode(dir, 'osaka-2', 'asia'));
  const secret = new TestAgent(ws, addNode(dir, 'secret-3', 'asia', 'de'));
  t.after(() => (live.close(), gone.close(), secret.close()));
  await Promise.all([live.opened, gone.opened, secret.opened]);
  for (const a of [live, gone, secret]) a.send({ ...helloMessage(), metrics: Object.keys(values(0, 0, 0)) });
  // A minute of history for tokyo-1, so the node page has something to draw.
  const now = Math.floor(Date.now() / 1000) * 1000;
  let seq = 0;
  for (let i = 60; i >= 1; i--) live.send({ type: 'sample', seq: ++seq, ts: now - i * 1000, values: values(11, 2 * GiB, 1e6 * (61 - i)) });
  gone.send({ type: 'sample', seq: 1, ts: now - 1000, values: values(5, 1 * GiB, 0) });
  secret.send({ type: 'sample', seq: 1, ts: now - 1000, values: values(50, 1 * GiB, 0) });
  await waitFor('acks', () => live.of('ack').some((a) => a.seq === seq) && gone.of('ack').length > 0 && secret.of('ack').length > 0);
  gone.close();

  const browser = await launchChromium(t);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light', locale: 'en-US' });
  const page = await context.newPage();
  const problems = collectProblems(page);
  const frames: string[] = [];
  page.on('websocket', (socket) => socket.on('framereceived', (f) => frames.push(String(f.payload))));
  await page.goto(`${base}/`);
  const shots = tempDir(t, 'probe-shots-');

  await t.test('overview: every visible node, totals, notes, title and footer from the config', async () => {
    assert.equal(await page.title(), 'Fleet <status>', 'title from config, escaped');
    const tokyo = page.locator('article[data-node="tokyo-1"]');
    await waitFor('tokyo-1 shows 11% cpu', async () => (await tokyo.textContent())!.includes('11%'), 5000);
    const text = (await tokyo.textContent())!;
    assert.match(text, /2\.00 GiB \/ 8\.00 GiB/);
    assert.match(text, /256 MiB \/ 1\.00 GiB/, 'swap bar');
    assert.match(text, /\$5 \/ monthly/);
    assert.match(text, /10 days left/);
    assert.match(text, /primary/);
    assert.match(text, /MiB \/ 10\.0 GiB/, 'traffic this period against its limit');
    assert.match(text, /cu33 ms · 10%/, 'latency and loss to a probe target');
    assert.match(text, /Temp54 °C/, 'the hottest sensor');
    assert.match(text, /GPU35%/, 'a GPU bar');
    // The emoji where this Chromium has a flag font, else the letters in a badge (never two empty boxes),
    // decided once the page is idle and remembered.
    await page.waitForFunction(() => localStorage.getItem('probe.flags') !== null);
    const flag = tokyo.locator('.card-head .flag, .card-head .flag-code');
    const emoji = (await flag.getAttribute('class')) === 'flag';
    assert.equal(await flag.textContent(), emoji ? '\u{1F1EF}\u{1F1F5}' : 'JP', 'flag from location');
    assert.match((await tokyo.getAttribute('class'))!, /\bonline\b/);
    const osaka = page.locator('article[data-node="osaka-2"]');
    await waitFor('osaka-2 offline with last seen', async () => /offline · last seen/.test((await osaka.textContent())!), 5000);
    assert.match((await osaka.getAttribute('class'))!, /\boffline\b/);
    assert.equal(await page.getByTestId('online-count').textContent(), '1/2 online', 'the hidden node is not counted');
    assert.equal(await page.locator('[data-node="secret-3"]').count(), 0);
    assert.ok(!frames.some((f) => f.includes('secret-3')), 'a hidden node never reaches the browser');
    assert.match((await page.locator('header.top').textContent())!, /Everything we run/);
    assert.equal(await page.getByRole('link', { name: 'Docs' }).getAttribute('href'), 'https://example.com/docs');
    await page.screenshot({ path: path.join(shots, 'desktop-light.png'), fullPage: true });
  });

  await t.test('values change live, without a reload', async () => {
    const navigations: string[] = [];
    page.on('framenavigated', (f) => navigations.push(f.url()));
    live.send({ type: 'sample', seq: ++seq, ts: Date.now(), values: values(77, 3 * GiB, 70e6) });
    const tokyo = page.locator('article[data-node="tokyo-1"]');
    await waitFor('cpu changes to 77%', async () => (await tokyo.textContent())!.includes('77%'), 5000);
    assert.match((await tokyo.textContent())!, /3\.00 GiB \/ 8\.00 GiB/);
    assert.deepEqual(navigations, [], 'no reload');
  });

  await t.test('filter, sort, and the table view, remembered across reloads', async () => {
    await page.getByTestId('filter').fill('osaka');
    await waitFor('only osaka-2 left', async () => (await page.locator('article[data-node]').count()) === 1);
    assert.equal(await page.locator('article[data-node="osaka-2"]').count(), 1);
    await page.getByTestId('filter').fill('');
    await page.getByTestId('sort').selectOption('cpu');
    await waitFor(
      'sorted by cpu: the online node first',
      async () => (await page.locator('article[data-node]').first().getAttribute('data-node')) === 'tokyo-1',
    );
    await page.getByTestId('layout-table').click();
    await page.locator('table.nodes tr[data-node="tokyo-1"]').waitFor();
    assert.match((await page.locator('tr[data-node="tokyo-1"]').textContent())!, /77%/);
    await page.reload();
    await page.locator('table.nodes tr[data-node="tokyo-1"]').waitFor();
    assert.equal(await page.getByTestId('layout-table').getAttribute('aria-pressed'), 'true', 'the table view is remembered');
    await page.getByTestId('layout-cards').click();
    await page.locator('article[data-node="tokyo-1"]').waitFor();
  });

  await t.test('dark theme by switch, and Chinese by switch', async () => {
    const background = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    const light = await background();
    await page.getByTestId('theme').selectOption('dark');
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    assert.notEqual(await background(), light);
    await page.screenshot({ path: path.join(shots, 'desktop-dark.png'), fullPage: true });
    await page.getByTestId('lang').selectOption('zh-CN');
    await waitFor('Chinese strings', async () => (await page.getByTestId('online-count').textContent()) === '1/2 在线');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
    await page.reload();
    await waitFor('Chinese remembered', async () => (await page.getByTestId('online-count').textContent()) === '1/2 在线');
    await page.getByTestId('lang').selectOption('en');
    await page.getByTestId('theme').selectOption('auto');
  });

  await t.test('the node page draws charts from the history API, with units in the legend', async () => {
    await page.locator('article[data-node="tokyo-1"] h3 a').click();
    await page.waitForURL(/#\/node\/\d+$/);
    const cpuChart = page.locator('figure[data-chart~="cpu"]');
    await cpuChart.locator('canvas').waitFor();
    assert.ok((await page.locator('figure.chart canvas').count()) >= 5, 'cpu, memory, disk, network, load, connections');
    assert.equal(await page.locator('figure[data-chart="latency.cu"] canvas').count(), 1, 'a latency chart per probe target');
    assert.equal(await page.locator('figure[data-chart="cpuCore.0 cpuCore.1"] canvas').count(), 1, 'a chart of every core');
    assert.equal(
      await page.locator('figure[data-chart="temp.coretemp.package_id_0 temp.nvme.composite"] canvas').count(),
      1,
      'a chart of every sensor',
    );
    assert.equal(await page.locator('figure[data-chart="gpuUtil.0"] canvas').count(), 1, 'GPU utilisation');
    const box = (await cpuChart.locator('.u-over').boundingBox())!;
    // Hover over the newest minute: the legend shows that point's value with its unit.
    await page.mouse.move(box.x + box.width - 4, box.y + box.height / 2);
    await waitFor('legend shows a cpu value', async () => /\d+(\.\d)?%/.test((await cpuChart.locator('.u-legend').textContent())!), 5000);
    const memLegend = page.locator('figure[data-chart~="memUsedBytes"] .u-legend');
    await page.mouse.move(box.x + box.width - 4, box.y + box.height / 2);
    assert.match((await memLegend.textContent())!, /GiB|–/);
    // The 1h view moves with the live feed: a new sample shows at the right edge without a reload.
    live.send({ type: 'sample', seq: ++seq, ts: Date.now(), values: values(55, 3 * GiB, 80e6) });
    await waitFor(
      'the live sample reaches the chart',
      async () => {
        await page.mouse.move(box.x + box.width - 10, box.y + 10);
        await page.mouse.move(box.x + box.width - 1, box.y + box.height / 2);
        return /55%/.test((await cpuChart.locator('.u-legend').textContent())!);
      },
      8000,
    );
    // The page watches this node, so metrics the overview does without (each core's) come live too: core 0 is cpu - 1.
    const coreChart = page.locator('figure[data-chart="cpuCore.0 cpuCore.1"]');
    await coreChart.scrollIntoViewIfNeeded();
    const coreBox = (await coreChart.locator('.u-over').boundingBox())!;
    await waitFor(
      'the live sample reaches the per-core chart',
      async () => {
        await page.mouse.move(coreBox.x + coreBox.width - 10, coreBox.y + 10);
        await page.mouse.move(coreBox.x + coreBox.width - 1, coreBox.y + coreBox.height / 2);
        return /54%/.test((await coreChart.locator('.u-legend').textContent())!);
      },
      8000,
    );
    await page.getByRole('button', { name: '24h' }).click();
    await page.locator('.charts[aria-busy="false"] figure[data-chart~="cpu"] canvas').waitFor();
    await page.screenshot({ path: path.join(shots, 'detail.png'), fullPage: true });
    await page.getByRole('link', { name: /All nodes/ }).click();
    await page.locator('article[data-node="tokyo-1"]').waitFor();
  });

  await t.test('a phone (390×844) gets no horizontal scroll, on the overview or a node page', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    assert.equal(await noHorizontalScroll(page), 0);
    await page.screenshot({ path: path.join(shots, 'mobile.png'), fullPage: true });
    await page.locator('article[data-node="tokyo-1"] h3 a').click();
    await page.locator('figure.chart canvas').first().waitFor();
    assert.equal(await noHorizontalScroll(page), 0);
    await page.screenshot({ path: path.join(shots, 'mobile-detail.png'), fullPage: true });
  });

  await t.test('?embed=1 shows compact cards without header or footer', async () => {
    const embed = await context.newPage();
    const embedProblems = collectProblems(embed);
    await embed.goto(`${base}/?embed=1`);
    await embed.locator('article[data-node="tokyo-1"]').waitFor();
    assert.equal(await embed.locator('header.top').count(), 0);
    assert.equal(await embed.locator('footer').count(), 0);
    assert.deepEqual(embedProblems, []);
    await embed.close();
  });

  if (process.env.PROBE_KEEP_SCREENSHOTS) execFileSync('cp', ['-r', shots, process.env.PROBE_KEEP_SCREENSHOTS]);
  assert.deepEqual(problems, [], 'no console errors');
});

test('the page shows a reconnecting state while the server is away and recovers by itself', async (t) => {
  const dir = tempDir(t, 'probe-browser-');
  const start = (listen: string) => run(BINARY, ['server', '--listen', listen, '--data', path.join(dir, 'data')], { cwd: dir });
  let server = start('127.0.0.1:0');
  const base = await listeningUrl(server, 'server URL');
  addNode(dir, 'lonely', '');
  const browser = await launchChromium(t);
  const page = await browser.newPage({ locale: 'en-US' });
  await page.goto(`${base}/`);
  await page.locator('article[data-node="lonely"]').waitFor();
  await server.stop();
  await page.getByRole('status').filter({ hasText: 'reconnecting' }).waitFor({ timeout: 5000 });
  server = start(new URL(base).host);
  t.after(() => server.stop());
  await page.getByRole('status').waitFor({ state: 'detached', timeout: 15_000 });
  assert.equal(await page.locator('article[data-node="lonely"]').count(), 1);
});
