/**
 * A fleet bigger than the screen: cards and table rows far off screen show the node's flag, name and
 * status only (built with DOM calls inside Preact's element, components/head-dom.ts), and become whole
 * once scrolled near; a far form follows what it shows (the language here). A page shown from the top
 * draws whole only what is on the screen; from its first scroll, cards just below it are drawn ahead.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { generateKey, hashKey } from '../../src/server/fleet/keys';
import { openSqliteStore } from '../../src/store/sqlite-store';
import { launchChromium } from '../browser';
import { startFleet } from '../fleet';
import { BINARY, run, tempDir, waitFor } from '../helpers';

const COUNT = 40;
const LAST = `node-0${COUNT - 1}`;

async function farCard(page: Page) {
  return page.evaluate((name) => {
    const card = document.querySelector(`article.card[data-node="${name}"]`)!;
    return {
      whole: card.querySelector('.metric') !== null,
      flag: card.querySelector('.card-head .flag, .card-head .flag-code')?.textContent ?? '',
      link: card.querySelector('.card-head h3.node-name a')?.getAttribute('href') ?? '',
      name: card.querySelector('.card-head a')?.textContent ?? '',
      status: card.querySelector('.card-head .status')?.textContent ?? '',
    };
  }, LAST);
}

test('far cards and rows show flag, name and status, and become whole when scrolled near', async (t) => {
  const dir = tempDir(t, 'probe-far-');
  const data = path.join(dir, 'data');
  const keys = Array.from({ length: COUNT }, () => generateKey());
  const store = openSqliteStore(data);
  keys.forEach((key, i) =>
    store.addNode({ name: `node-0${String(i).padStart(2, '0')}`, group: '', location: 'AU', keyHash: hashKey(key) }, Date.now()),
  );
  store.close();
  const server = run(BINARY, ['server', '--listen', '127.0.0.1:0', '--data', data], { cwd: dir });
  t.after(() => server.stop('SIGKILL'));
  const base = await waitFor('server URL', () => /open (http:\/\/\S+)\//.exec(server.stdout())?.[1]);
  const fleet = await startFleet(dir, new URL(base).port, keys);
  t.after(() => fleet.stop());
  const browser = await launchChromium(t);
  const page = await browser.newPage({ locale: 'en-US', viewport: { width: 800, height: 600 } });
  await page.goto(`${base}/`);
  await waitFor('every card', async () => (await page.locator('article.card').count()) === COUNT);

  // Below the screen by less than half a screen: not drawn whole until the page scrolls, then before it shows.
  const below = await page.evaluate(() => {
    const cards = [...document.querySelectorAll('article.card')];
    const card = cards.find((c) => c.getBoundingClientRect().top > innerHeight + 20)!;
    return { name: card.getAttribute('data-node')!, top: card.getBoundingClientRect().top, height: innerHeight };
  });
  assert.ok(below.top < 1.5 * below.height, `a card within half a screen below it (${below.top} px)`);
  const isWhole = (name: string) => page.evaluate((n) => document.querySelector(`article.card[data-node="${n}"] .metric`) !== null, name);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await isWhole(below.name), false, 'not drawn ahead before the page scrolls');
  const farHeight = await page.evaluate(
    (n) => document.querySelector(`article.card[data-node="${n}"]`)!.getBoundingClientRect().height,
    below.name,
  );
  assert.ok(farHeight >= 250, `a far card is as tall as a whole one (${farHeight} px)`);
  await page.evaluate(() => scrollBy(0, 10));
  await waitFor('the card below drawn ahead', () => isWhole(below.name));
  const stillBelow = await page.evaluate(
    (n) => document.querySelector(`article.card[data-node="${n}"]`)!.getBoundingClientRect().top,
    below.name,
  );
  assert.ok(stillBelow > below.height, 'drawn whole while still below the screen');
  await page.evaluate(() => scrollTo(0, 0));

  await waitFor('the last card online, far', async () => (await farCard(page)).status === 'online');
  const far = await farCard(page);
  assert.equal(far.whole, false, 'far off screen: the head only');
  assert.equal(far.name, LAST);
  assert.match(far.link, /^#\/node\/\d+$/);
  assert.ok(far.flag === 'AU' || far.flag === '\u{1F1E6}\u{1F1FA}', `flag of AU, got ${far.flag}`);

  await page.getByTestId('lang').selectOption('zh-CN');
  await waitFor('the far head in the new language', async () => (await farCard(page)).status === '在线');
  await page.getByTestId('lang').selectOption('en');

  await page.locator(`article.card[data-node="${LAST}"]`).scrollIntoViewIfNeeded();
  await waitFor('the last card whole', async () => (await farCard(page)).whole);

  await page.evaluate(() => scrollTo(0, 0));
  await page.getByTestId('layout-table').click();
  const row = page.locator(`table.nodes tr[data-node="${LAST}"]`);
  await waitFor(
    'the last row far',
    async () => (await row.locator('td').count()) === 2 && (await row.locator('.status').textContent()) === 'online',
  );
  assert.equal(await row.locator('th a').textContent(), LAST);
  await row.scrollIntoViewIfNeeded();
  await waitFor('the last row whole', async () => (await row.locator('td').count()) === 8);
});
