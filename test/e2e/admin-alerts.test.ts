/**
 * Alert rules and channels made in the admin, in Chromium against the real executable: a webhook
 * channel with a secret header and a rule made in the page (checked as it is typed, with the nodes
 * it would fire for) fire once to a local receiver without a restart; the rule is edited, then
 * disabled; the secret appears in no response the page gets, nor in the server's log. Then a
 * node's notes and the page's description are set and shown to a visitor at once; a second
 * factor is turned on in the page, and the next sign-in asks for its code.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { launchChromium } from '../browser';
import { BINARY, run, tempDir, waitFor } from '../helpers';
import { base32Decode, totp } from '../../src/server/admin/totp';
import { startReceiver } from '../notify/receiver';
import { TestAgent, helloMessage } from '../server/test-server';

const SECRET = 's3cret-token-9f2c';

test('admin: a webhook channel and a rule made in the page fire once without a restart; edit, disable; the secret never comes back', async (t) => {
  const receiver = await startReceiver(t);
  const dir = tempDir(t, 'probe-admin-alerts-');
  const server = run(BINARY, ['server', '--listen', '127.0.0.1:0', '--data', path.join(dir, 'data')], { cwd: dir });
  t.after(() => server.stop());
  const setupUrl = await waitFor('setup link', () => /Choose one at (http:\/\/\S+#setup=[A-Za-z0-9_-]+)/.exec(server.stdout())?.[1]);
  const base = setupUrl.slice(0, setupUrl.indexOf('/admin'));

  const browser = await launchChromium(t);
  const page = await browser.newPage({ locale: 'en-US', viewport: { width: 1100, height: 900 } });
  const problems: string[] = [];
  const bodies: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && !/401/.test(m.text()) && problems.push(m.text()));
  page.on('dialog', (d) => void d.accept());
  page.on(
    'response',
    (r) =>
      void r.text().then(
        (b) => bodies.push(b),
        () => undefined,
      ),
  );

  await page.goto(setupUrl);
  await page.getByTestId('password').fill('correct horse battery');
  await page.getByTestId('sign-in').click();
  await page.getByTestId('new-node-name').fill('edge-1');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const key = /--key (pk_[A-Za-z0-9_-]+)/.exec((await page.getByTestId('agent-command').textContent())!)![1]!;
  const agent = new TestAgent(base.replace('http', 'ws'), key);
  t.after(() => agent.close());
  await agent.opened;
  agent.send(helloMessage());
  agent.sample(1, [80, 1, 2, 0.1]);
  await waitFor('acked', () => agent.of('ack').length > 0);

  await page.getByTestId('channel-new').click();
  await page.getByTestId('channel-name').fill('hook');
  await page.getByTestId('channel-field-url').fill(receiver.url);
  await page.getByTestId('channel-field-headers').fill(`Authorization: Bearer ${SECRET}`);
  await page.getByTestId('channel-save').click();
  await page.getByTestId('channel-row-hook').waitFor();
  assert.match((await page.getByTestId('channel-row-hook').textContent())!, /headers: set/);

  await page.getByTestId('rule-new').click();
  await page.getByTestId('rule-field-name').fill('cpu-high');
  await page.getByTestId('rule-field-threshold').fill('9x');
  await page.getByTestId('rule-check').filter({ hasText: '"threshold" must be a number' }).waitFor();
  await page.getByTestId('rule-field-threshold').fill('50');
  await page.getByTestId('rule-field-for').fill('0s');
  await page.getByTestId('rule-notify-hook').check();
  await page.getByTestId('rule-check').filter({ hasText: 'It would fire now for: edge-1' }).waitFor();
  await page.getByTestId('rule-save').click();
  await page.getByTestId('rule-row-cpu-high').waitFor();

  agent.sample(2, [90, 1, 2, 0.1]);
  await waitFor('fired', () => receiver.requests.find((r) => r.body.rule === 'cpu-high' && r.body.state === 'firing'));
  agent.sample(3, [91, 1, 2, 0.1]);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(receiver.requests.filter((r) => r.body.rule === 'cpu-high').length, 1, 'fires once');
  assert.equal(receiver.requests[0]!.headers.authorization, `Bearer ${SECRET}`);

  await page.getByTestId('rule-edit-cpu-high').click();
  assert.equal(await page.getByTestId('rule-field-threshold').inputValue(), '50');
  await page.getByTestId('rule-field-threshold').fill('95');
  await page.getByTestId('rule-save').click();
  // A save that fails leaves the form open with the server's answer as the notice: name it.
  await page
    .getByTestId('rule-form')
    .waitFor({ state: 'detached' })
    .catch(async (err: Error) => {
      const shown = await page.locator('.notice').allTextContents();
      throw new Error(`the rule form stayed open; notices: ${JSON.stringify(shown)}; ${err.message}`);
    });
  agent.sample(4, [60, 1, 2, 0.1]);
  await waitFor('resolved after the edit', () => receiver.requests.find((r) => r.body.rule === 'cpu-high' && r.body.state === 'resolved'));

  await page.getByTestId('rule-enabled-cpu-high').uncheck();
  await waitFor('disabled', async () => !(await page.getByTestId('rule-enabled-cpu-high').isChecked()));
  await page.getByTestId('audit-panel').filter({ hasText: 'rule "cpu-high" changed (disabled)' }).waitFor();
  const sent = receiver.requests.length;
  agent.sample(5, [99, 1, 2, 0.1]);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(receiver.requests.length, sent, 'a disabled rule does not fire');

  await page.reload();
  await page.getByTestId('channel-row-hook').waitFor();
  assert.ok(bodies.length > 10);
  for (const body of bodies) assert.ok(!body.includes(SECRET), 'no response carries the secret');
  assert.ok(!server.stdout().includes(SECRET) && !server.stderr().includes(SECRET), 'the log does not either');

  // A node's notes and the page's description, set in the page, shown at once.
  await page.getByTestId('notes-edge-1').click();
  await page.getByTestId('notes-price').fill('$4/mo');
  await page.getByTestId('notes-expires').fill('2030-01-31');
  await page.getByTestId('notes-save').click();
  await page.getByTestId('notes-form-edge-1').waitFor({ state: 'detached' });
  await page.getByTestId('page-description').fill('Our little fleet');
  await page.getByTestId('save-page-info').click();
  await waitFor('saved', async () => (await page.getByTestId('notice').textContent()) === 'Saved', 5000);
  if (process.env.PROBE_KEEP_SCREENSHOTS)
    await page.screenshot({ path: path.join(process.env.PROBE_KEEP_SCREENSHOTS, 'admin-alerts.png'), fullPage: true });
  const visitor = await browser.newPage({ locale: 'en-US' });
  await visitor.goto(`${base}/`);
  await visitor.getByText('Our little fleet').waitFor();
  await visitor.getByText('$4/mo').first().waitFor();

  // A second factor turned on in the page: the next sign-in asks for a code.
  await page.getByTestId('totp-begin').click();
  const secret = base32Decode((await page.getByTestId('totp-secret').textContent())!);
  assert.match((await page.getByTestId('otpauth-uri').getAttribute('href'))!, /^otpauth:\/\/totp\//);
  await page.getByTestId('totp-confirm-code').fill(totp(secret, Date.now()));
  await page.getByTestId('totp-confirm').click();
  assert.equal((await page.getByTestId('recovery-codes').textContent())!.split('\n').length, 10);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByTestId('password').fill('correct horse battery');
  await page.getByTestId('sign-in').click();
  await page.getByTestId('totp-code').fill(totp(secret, Date.now() + 30_000));
  await page.getByTestId('sign-in').click();
  await page.getByTestId('second-factor').filter({ hasText: 'Recovery codes left: 10' }).waitFor();
  assert.deepEqual(problems, []);
});
