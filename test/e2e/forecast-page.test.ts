/**
 * Forecasts on the page, in a real Chromium: a node with five days of a filling disk in the
 * server's store shows "/ full in ~N days (low–high)" on its page with the projection on the disk
 * chart, and a badge on its card; a node whose disk does not grow shows no badge. The page is
 * built from source into a temp dir and served by an in-process server (fast: no executable).
 * Set PROBE_FORECAST_SHOT=/tmp/forecast-node.png to keep a dark-theme screenshot of the node page.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { addNode } from '../../src/server/fleet/nodes';
import { openSqliteStore } from '../../src/store/sqlite-store';
import { launchChromium } from '../browser';
import { tempDir, waitFor } from '../helpers';
import { GiB, writeDiskHistory } from '../forecast/history';
import { startTestServer } from '../server/test-server';

const DAY = 86_400_000;
const HOUR = 3_600_000;

test('the node page says when the disk is full and draws it; the card shows a badge', async (t) => {
  const webDir = tempDir(t, 'probe-web-');
  // The build scripts are plain JavaScript without types.
  const { buildPage } = (await import(path.resolve('packaging/bundle.mjs'))) as { buildPage: (dir: string) => Promise<void> };
  await buildPage(webDir);
  const now = Date.now();
  const until = now - (now % HOUR) - HOUR;
  const ids: Record<string, number> = {};
  const extra = { cpu: 12, memUsedBytes: 2 * GiB, memTotalBytes: 8 * GiB, load1: 0.4, netRxBytesPerSec: 2e4, netTxBytesPerSec: 1e4 };
  const s = await startTestServer(t, { ackIntervalMs: 0, webDir }, (config) => {
    const store = openSqliteStore(config.server.data);
    try {
      ids.filling = addNode(store, 'filling', '', 'jp', now - 6 * DAY).node.id;
      ids.steady = addNode(store, 'steady', '', 'de', now - 6 * DAY).node.id;
      // 40 → 65 GiB of 100 in 5 days: 35 GiB left at 5 GiB a day, full in ~7 days.
      writeDiskHistory(store, ids.filling, {
        until,
        days: 5,
        startBytes: 40 * GiB,
        perDayBytes: 5 * GiB,
        totalBytes: 100 * GiB,
        extra,
        stepMs: 5 * 60_000,
      });
      writeDiskHistory(store, ids.steady, {
        until,
        days: 5,
        startBytes: 30 * GiB,
        perDayBytes: 0,
        totalBytes: 100 * GiB,
        extra,
        stepMs: 5 * 60_000,
      });
    } finally {
      store.close();
    }
  });

  const browser = await launchChromium(t);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark', locale: 'en-US' });
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${s.base}/`);

  const badge = page.locator('article[data-node="filling"] [data-testid="forecast-badge"]');
  await badge.waitFor({ timeout: 10_000 });
  assert.match((await badge.textContent())!, /^\/ full ~[67]d$/);
  assert.equal(
    await page.locator('article[data-node="steady"] [data-testid="forecast-badge"]').count(),
    0,
    'no badge on a disk that does not grow',
  );

  await page.locator('article[data-node="filling"] h3 a').click();
  const line = page.getByTestId('forecast');
  await line.waitFor();
  const text = (await line.textContent())!;
  assert.match(text, /\/ full in ~[67] days( \(\d+–\d+\))?/);
  assert.match(text, /Traffic|Memory|^Forecast/);
  await page.getByRole('button', { name: '7d' }).click();
  const disk = page.locator('figure[data-chart="diskUsedBytes diskTotalBytes"]');
  await disk.locator('canvas').waitFor();
  const projected = Number(await disk.getAttribute('data-projection'));
  assert.ok(Math.abs(projected - now - 7 * DAY) < 1.5 * DAY, 'the projection reaches capacity at the forecast date');
  await page.waitForFunction(() => document.querySelector('.charts[aria-busy="false"]'));
  if (process.env.PROBE_FORECAST_SHOT) await page.screenshot({ path: path.resolve(process.env.PROBE_FORECAST_SHOT), fullPage: true });

  await page.setViewportSize({ width: 390, height: 844 });
  assert.equal(
    await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth),
    0,
    'no horizontal scroll on a phone',
  );
  await page.getByTestId('lang').selectOption('zh-CN');
  await waitFor('the forecast in Chinese', async () => /约 [67] 天后写满/.test((await line.textContent()) ?? ''), 5000);
  assert.deepEqual(problems, [], 'no console errors');
});
