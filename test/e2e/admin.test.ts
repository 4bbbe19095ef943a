/**
 * The admin page in Chromium against the real executable: the one-time setup link, adding a node
 * (its key and agent command shown once), rotating a key from the page (the connected agent is
 * dropped at once), signing out and back in, editing a node in its form, hiding a node, and
 * protecting the page with a password that a visitor then types. Screenshots land in a temp dir (copied to $PROBE_KEEP_SCREENSHOTS if set).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { launchChromium } from '../browser';
import { BINARY, run, tempDir, waitFor } from '../helpers';
import { TestAgent, helloMessage } from '../server/test-server';

test('admin page: first password, add a node, rotate its key, sign out and in, edit and hide a node, password-protect the page', async (t) => {
  const shots = tempDir(t, 'probe-shots-');
  const dir = tempDir(t, 'probe-admin-');
  const server = run(BINARY, ['server', '--listen', '127.0.0.1:0', '--data', path.join(dir, 'data')], { cwd: dir });
  t.after(() => server.stop());
  const setupUrl = await waitFor('setup link', () => /Choose one at (http:\/\/\S+#setup=[A-Za-z0-9_-]+)/.exec(server.stdout())?.[1]);
  const base = setupUrl.slice(0, setupUrl.indexOf('/admin'));
  assert.ok(!server.stderr().includes(setupUrl.split('#setup=')[1]!), 'the setup token is not in the log');

  const browser = await launchChromium(t);
  const page = await browser.newPage({ locale: 'en-US', viewport: { width: 1100, height: 800 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && !/401/.test(m.text()) && problems.push(m.text()));
  page.on('dialog', (d) => void d.accept());

  await page.goto(setupUrl);
  await page.getByTestId('password').fill('correct horse battery');
  await page.getByTestId('sign-in').click();
  await page.getByTestId('new-node-name').fill('edge-1');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const command = (await page.getByTestId('agent-command').textContent())!;
  const key = /--key (pk_[A-Za-z0-9_-]+)/.exec(command)![1]!;
  assert.match(command, /^probe agent --server ws:\/\//);
  assert.equal(await page.getByTestId('install-command').textContent(), `curl -fsSL ${base}/install.sh | sudo sh -s -- --key ${key}`);
  assert.equal(
    await page.getByTestId('install-windows-command').textContent(),
    `$env:PROBE_KEY = '${key}'; iwr -useb ${base}/install.ps1 | iex`,
  );
  await page.locator('tr[data-node="edge-1"]').waitFor();
  await page.screenshot({ path: path.join(shots, 'admin.png'), fullPage: true });

  const agent = new TestAgent(base.replace('http', 'ws'), key);
  await agent.opened;
  agent.send(helloMessage());
  agent.sample(1, [1, 2, 3, 4]);
  await waitFor('acked', () => agent.of('ack').length > 0);
  await page.getByTestId('rotate-edge-1').click();
  await waitFor('agent dropped', () => agent.closeCode === 4001, 5000);
  // The agent is cut when the server has rotated the key; the page shows the new one when the
  // answer reaches it, which on a loaded machine can be a moment later.
  const newCommand = await waitFor('the new key shown', async () => {
    const shown = (await page.getByTestId('agent-command').textContent())!;
    return shown !== command ? shown : undefined;
  });
  assert.match(newCommand, /^probe agent --server ws:\/\/\S+ --key pk_/);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByTestId('password').waitFor();
  await page.goto(`${base}/admin`);
  await page.getByTestId('password').fill('not the password');
  await page.getByTestId('sign-in').click();
  assert.match((await page.getByTestId('notice').textContent())!, /wrong password/);
  await page.getByTestId('password').fill('correct horse battery');
  await page.getByTestId('sign-in').click();
  await page.locator('tr[data-node="edge-1"]').waitFor();

  await page.getByTestId('new-node-name').fill('edge-2');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await page.locator('tr[data-node="edge-2"]').waitFor();
  // Editing a node is a form with a field each: a group may hold a comma, a cancel changes nothing.
  await page.getByTestId('edit-edge-2').click();
  await page.getByTestId('edit-form-edge-2-name').fill('nothing');
  await page.getByTestId('edit-form-edge-2').getByRole('button', { name: 'Cancel' }).click();
  await page.getByTestId('edit-edge-2').click();
  assert.equal(await page.getByTestId('edit-form-edge-2-name').inputValue(), 'edge-2', 'the form opens with the current name');
  await page.getByTestId('edit-form-edge-2-name').fill('edge-two');
  await page.getByTestId('edit-form-edge-2-group').fill('Tokyo, west');
  await page.getByTestId('edit-form-edge-2-location').fill('jp');
  await page.screenshot({ path: path.join(shots, 'admin-edit-node.png'), fullPage: true });
  await page.getByTestId('edit-form-edge-2').getByRole('button', { name: 'Save' }).click();
  const renamed = page.locator('tr[data-node="edge-two"]');
  await renamed.waitFor();
  assert.equal(await renamed.locator('td').first().textContent(), 'Tokyo, west');
  assert.equal(await page.locator('tr[data-node="edge-2"]').count(), 0);
  await page.getByTestId('hide-edge-1').check();
  await waitFor('edge-1 hidden', async () => (await page.locator('tr[data-node="edge-1"] .tag').count()) === 1, 5000);
  await page.getByTestId('mode-password').check();
  await page.getByTestId('page-password-new').fill('family photos 2026');
  await page.getByTestId('save-page-access').click();
  await waitFor('saved', async () => (await page.getByTestId('notice').textContent()) === 'Saved', 5000);
  await page.screenshot({ path: path.join(shots, 'admin-page-access.png'), fullPage: true });

  const visitor = await browser.newPage({ locale: 'en-US', viewport: { width: 1100, height: 700 } });
  visitor.on('pageerror', (e) => problems.push(e.message));
  await visitor.goto(`${base}/`);
  await visitor.getByTestId('page-password').fill('a wrong guess');
  await visitor.getByRole('button', { name: 'Open' }).click();
  await visitor.getByRole('alert').filter({ hasText: 'wrong password' }).waitFor();
  await visitor.screenshot({ path: path.join(shots, 'page-gate.png'), fullPage: true });
  await visitor.getByTestId('page-password').fill('family photos 2026');
  await visitor.getByRole('button', { name: 'Open' }).click();
  await visitor.locator('[data-node="edge-two"]').waitFor();
  assert.equal(await visitor.locator('[data-node="edge-1"]').count(), 0, 'the hidden node is not shown to the visitor');
  await visitor.reload();
  await visitor.locator('[data-node="edge-two"]').waitFor({ timeout: 5000 });
  await page.goto(`${base}/`);
  await page.locator('[data-node="edge-1"]').waitFor({ timeout: 5000 });
  assert.deepEqual(problems, []);
  if (process.env.PROBE_KEEP_SCREENSHOTS) execFileSync('cp', ['-r', shots, process.env.PROBE_KEEP_SCREENSHOTS]);
});
