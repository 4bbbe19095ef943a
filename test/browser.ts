/**
 * Chromium for the tests that look at the page: the Debian browser driven by playwright-core,
 * closed when the test ends, and a signed-in admin page.
 */
import { type Browser, type Page, chromium } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export async function launchChromium(t: { after(fn: () => unknown): void }): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
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
