/**
 * The Services section in a real Chromium against the real executable: the config's checks run
 * against loopback servers (an HTTP site, an open and a closed TCP port, ping 127.0.0.1), each shows
 * its state, uptime, 90-day bar and response-time chart; a hidden check never reaches the page;
 * dark theme, Chinese, and no horizontal scroll on a phone. The dark desktop screenshot is
 * copied to $PROBE_CHECKS_SCREENSHOT if set.
 */
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { launchChromium } from '../browser';
import { BINARY, listeningUrl, run, tempDir, waitFor } from '../helpers';

async function listening(t: { after(fn: () => unknown): void }, server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return (server.address() as AddressInfo).port;
}

test('the status page shows the Services section: state, uptime, the 90-day bar and a chart per check', async (t) => {
  const dir = tempDir(t, 'probe-checks-page-');
  const site = await listening(
    t,
    createServer((_req, res) => res.end('welcome')),
  );
  const open = await listening(
    t,
    net.createServer((socket) => socket.end()),
  );
  // A port nothing listens on: bound, then closed.
  const unused = net.createServer();
  await new Promise<void>((resolve) => unused.listen(0, '127.0.0.1', resolve));
  const closed = (unused.address() as AddressInfo).port;
  await new Promise((resolve) => unused.close(resolve));
  writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({
      checks: [
        { name: 'Homepage', type: 'http', url: `http://127.0.0.1:${site}/`, keyword: 'welcome', interval: '5s', group: 'Web' },
        { name: 'Postgres', type: 'tcp', host: `127.0.0.1:${open}`, interval: '5s', group: 'Internal' },
        { name: 'Redis', type: 'tcp', host: `127.0.0.1:${closed}`, interval: '5s', group: 'Internal' },
        { name: 'Gateway', type: 'icmp', host: '127.0.0.1', interval: '5s', group: 'Internal' },
        { name: 'Secret admin', type: 'tcp', host: `127.0.0.1:${open}`, interval: '5s', hidden: true },
      ],
    }),
  );
  const server = run(BINARY, ['server', '--config', 'config.json', '--listen', '127.0.0.1:0', '--data', path.join(dir, 'data')], {
    cwd: dir,
  });
  t.after(() => server.stop());
  const base = await listeningUrl(server, 'server URL');

  const browser = await launchChromium(t);
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, colorScheme: 'dark', locale: 'en-US' });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${base}/`);

  const section = page.locator('#services');
  await section.waitFor();
  assert.equal(await section.locator('h2').textContent(), 'Services');
  const cards = section.locator('[data-testid=check]');
  await waitFor('four checks', async () => (await cards.count()) === 4);
  assert.equal(await page.locator('[data-check="Secret admin"]').count(), 0, 'a hidden check never reaches guests');
  const homepage = page.locator('[data-check="Homepage"]');
  assert.match((await homepage.textContent())!, /up · [\d.]+ ms/);
  assert.match((await homepage.textContent())!, /24 h100%7 days100%30 days100%/);
  assert.equal(await homepage.locator('.day').count(), 90);
  assert.equal(await homepage.locator('.day.up').count(), 1, 'today, up');
  assert.match((await page.locator('[data-check="Redis"]').textContent())!, /down/);
  assert.equal(await page.locator('[data-check="Redis"] .day.down').count(), 1);
  await homepage.locator('figure[data-chart="latency_ms"] canvas').waitFor();
  assert.deepEqual(await section.locator('h3.group').allTextContents(), ['Web', 'Internal']);
  const shot = path.join(tempDir(t, 'probe-shots-'), 'checks-page.png');
  await page.screenshot({ path: shot, fullPage: true });
  if (process.env.PROBE_CHECKS_SCREENSHOT) copyFileSync(shot, process.env.PROBE_CHECKS_SCREENSHOT);

  await page.getByTestId('lang').selectOption('zh-CN');
  await waitFor('Chinese', async () => (await section.locator('h2').textContent()) === '服务');
  assert.match((await homepage.textContent())!, /正常/);
  await page.getByTestId('lang').selectOption('en');

  await page.setViewportSize({ width: 375, height: 800 });
  await waitFor(
    'phone layout',
    async () => (await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)) <= 0,
  );
  assert.deepEqual(problems, []);
});
