/**
 * /api/admin/nodes/:id/notes and /api/admin/page over real HTTP: a node's notes and the page's
 * description and links set in the admin reach the page at once, errors name the field, the
 * config file's entries are shown and win, notes follow a rename, and `probe backup` carries them.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseNodeSettings } from '../../../src/config/page';
import type { NodeNotesView, PageModeReply, RuleCheckReply } from '../../../src/protocol/admin';
import type { NodeView } from '../../../src/protocol/messages';
import { backupDatabase, openSqliteStore } from '../../../src/store/sqlite-store';
import { client, startTestServer } from '../test-server';

test('node notes and the page set in the admin: applied at once, fields named in errors, the file wins, kept across a rename and in a backup', async (t) => {
  const s = await startTestServer(t, { ackIntervalMs: 0 }, (config) => {
    config.nodes = parseNodeSettings({ 'file-node': { price: '$5', trafficResetDay: 3 } });
    config.server.title = 'Title from the file';
  });
  const admin = client(s);
  await admin.signIn();
  const add = async (name: string) => (await admin.call('POST', '/api/admin/nodes', { name })).body.id as number;
  const db = await add('db-1');
  const fileNode = await add('file-node');
  const notesOf = async (id: number) => (await admin.call('GET', `/api/admin/nodes/${id}/notes`)).body as unknown as NodeNotesView;

  assert.equal((await admin.call('PUT', `/api/admin/nodes/${db}/notes`, { price: '$4' }, { 'X-CSRF-Token': 'no' })).status, 403);
  const bad = await admin.call('PUT', `/api/admin/nodes/${db}/notes`, { expires: 'soon' });
  assert.deepEqual([bad.status, bad.body.code], [400, 'PROBE_ERR_BAD_REQUEST']);
  assert.match(String(bad.body.message), /^"expires" must be a date/);
  assert.match(
    String((await admin.call('PUT', `/api/admin/nodes/${db}/notes`, { hidden: true })).body.message),
    /^"hidden" is not a known setting/,
  );
  assert.equal((await admin.call('PUT', '/api/admin/nodes/999/notes', {})).status, 404);
  const notes = { price: '$4', billing: 'monthly', expires: '2020-01-31', trafficLimit: '1TB', trafficResetDay: 5, note: 'db' };
  assert.equal((await admin.call('PUT', `/api/admin/nodes/${db}/notes`, notes)).status, 200);
  const nodes = (await admin.call('GET', '/api/nodes')).body as unknown as NodeView[];
  assert.deepEqual(
    nodes.find((n) => n.name === 'db-1')!.notes,
    { price: '$4', billing: 'monthly', expires: '2020-01-31', trafficLimitBytes: 1e12, note: 'db' },
    'on the page at once',
  );
  const expiry = (await admin.call('POST', '/api/admin/rules/validate', { name: 'renew', kind: 'expiry', days: 7 }))
    .body as unknown as RuleCheckReply;
  assert.deepEqual(expiry.wouldFire, ['db-1'], "rules read the admin's notes");

  assert.deepEqual(await notesOf(fileNode), { source: 'file', notes: { price: '$5', trafficResetDay: 3 } });
  assert.equal((await admin.call('PUT', `/api/admin/nodes/${fileNode}/notes`, { price: '$1' })).status, 409, 'the file wins');
  assert.equal((await admin.call('PATCH', `/api/admin/nodes/${db}`, { name: 'db-2' })).status, 200);
  assert.deepEqual(await notesOf(db), { source: 'admin', notes }, 'notes follow a rename');

  const page = async () => (await admin.call('GET', '/api/admin/page')).body as unknown as PageModeReply;
  assert.deepEqual((await page()).info, { title: 'Title from the file', description: '', links: [], fromFile: ['title'] });
  assert.equal((await admin.call('PUT', '/api/admin/page', { title: 'Mine' })).status, 409, 'the file sets the title');
  const badLink = await admin.call('PUT', '/api/admin/page', { links: [{ label: 'x', url: 'ftp://x' }] });
  assert.match(String(badLink.body.message), /^"links\[0\]\.url" must start with http/);
  const links = [{ label: 'Status history', url: 'https://example.com/history' }];
  assert.equal((await admin.call('PUT', '/api/admin/page', { description: 'Our fleet & friends', links })).status, 200);
  assert.deepEqual((await page()).info, { title: 'Title from the file', description: 'Our fleet & friends', links, fromFile: ['title'] });
  const html = await (await fetch(`${s.base}/`)).text();
  assert.match(html, /Our fleet &#38; friends/, 'index.html is filled in again at once');
  assert.match(html, /https:\/\/example\.com\/history/);
  assert.equal((await page()).mode, 'public');

  const restoredDir = path.join(s.dataDir, 'restored');
  mkdirSync(restoredDir);
  await backupDatabase(s.dataDir, path.join(restoredDir, 'probe.db'));
  const restored = openSqliteStore(restoredDir);
  t.after(() => restored.close());
  assert.match(restored.getSetting('admin.nodeNotes') ?? '', /"db-2":\{"price":"\$4"/);
  assert.match(restored.getSetting('admin.page') ?? '', /Our fleet/);
});
