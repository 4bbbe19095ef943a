/**
 * Chromium for the tests that look at the page: the Debian browser driven by playwright-core,
 * closed when the test ends, and a signed-in admin page.
 */
import { type Browser, type Page, chromium } from 'playwright-core';
import args from './chromium-args.json';

/** Chromium's arguments, here and in test/run.mjs's shared browser. */
export const CHROMIUM_ARGS: string[] = args;
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * A browser for one test, closed when it ends. Under `npm test`, a connection to the runner's one
 * Chromium (test/run.mjs sets PROBE_TEST_CHROMIUM to its endpoint): starting a Chromium of its own
 * cost each test file about 1.5 CPU seconds. Closing the connection closes the pages it opened.
 * A file run alone starts its own.
 */
export async function launchChromium(t: { after(fn: () => unknown): void }): Promise<Browser> {
  const shared = process.env.PROBE_TEST_CHROMIUM;
  const browser = shared
    ? await chromium.connect(shared, { timeout: 30_000 })
    : await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  t.after(() => browser.close());
  return browser;
}

/** A new page signed in to `base`/admin with `password`, at the admin's node list. */
export async function adminPage(browser: Browser, base: string, password: string): Promise<Page> {
  const page = await browser.newPage({ locale: 'en-US', viewport: { width: 1100, height: 800 } });
  await page.goto(`${base}/admin`);
  await page.getByTestId('password').fill(password);
  await page.getByTestId('sign-in').click();
  await page.getByTestId('new-node-name').waitFor();
  return page;
}
