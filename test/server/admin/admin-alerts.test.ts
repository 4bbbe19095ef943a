/**
 * /api/admin/rules and /api/admin/channels over real HTTP against the real server: CSRF,
 * validation naming the field, a rule made in the admin firing to a local receiver without a
 * restart, write-only secrets, the config file's rules and channels winning, the audit log, and
 * `probe backup`'s copy carrying all of it.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseRules } from '../../../src/alerts/rules';
import { parseChannels } from '../../../src/notify/channels';
import type { AuditEntry, ChannelsView, RuleCheckReply, RulesView } from '../../../src/protocol/admin';
import { backupDatabase, openSqliteStore } from '../../../src/store/sqlite-store';
import { waitFor } from '../../helpers';
import { startReceiver } from '../../notify/receiver';
import { TestAgent, client, helloMessage, startTestServer } from '../test-server';

const SECRET = 'Bearer s3cret-header-value';

test('rules and channels made in the admin: CSRF, validation, firing without a restart, write-only secrets, file precedence, audit, backup', async (t) => {
  const receiver = await startReceiver(t);
  const s = await startTestServer(t, { ackIntervalMs: 0 }, (config) => {
    config.channels = parseChannels({ filehook: { type: 'webhook', url: receiver.url, headers: { 'X-Token': 'file-secret-123' } } });
    config.rules = parseRules(
      { rules: [{ name: 'file-rule', metric: 'cpu', op: '>', threshold: 99, notify: ['filehook'] }] },
      config.channels,
    );
  });
  const admin = client(s);
  await admin.signIn();
  const everything: string[] = [];
  const call = async (method: string, p: string, body?: unknown, headers?: Record<string, string>) => {
    const res = await admin.call(method, p, body, headers);
    everything.push(JSON.stringify(res.body));
    return res;
  };

  assert.equal(
    (await call('PUT', '/api/admin/channels/hook', { type: 'webhook', url: receiver.url }, { 'X-CSRF-Token': 'wrong' })).status,
    403,
    'CSRF',
  );
  const bad = await call('PUT', '/api/admin/channels/hook', { type: 'webhook' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.code, 'PROBE_ERR_BAD_REQUEST');
  assert.match(String(bad.body.message), /^"url" is required/);
  assert.equal(
    (await call('PUT', '/api/admin/channels/filehook', { type: 'webhook', url: receiver.url })).status,
    409,
    'the file has this channel',
  );
  assert.equal(
    (await call('PUT', '/api/admin/channels/hook', { type: 'webhook', url: receiver.url, headers: { Authorization: SECRET } })).status,
    201,
  );

  const channels = (await call('GET', '/api/admin/channels')).body as unknown as ChannelsView;
  const hook = channels.channels.find((c) => c.name === 'hook')!;
  assert.deepEqual([hook.source, hook.config.url, hook.secretsSet], ['admin', receiver.url, ['headers']]);
  assert.equal(channels.channels.find((c) => c.name === 'filehook')?.source, 'file');
  assert.ok(channels.types.telegram!.some((f) => f.name === 'botToken' && f.secret));

  const badRule = await call('POST', '/api/admin/rules', { name: 'cpu', metric: 'cpu', op: '>', threshold: 'high', notify: ['hook'] });
  assert.equal(badRule.status, 400);
  assert.match(String(badRule.body.message), /^"threshold" must be a number/);
  const check = async (rule: object) => (await call('POST', '/api/admin/rules/validate', rule)).body as unknown as RuleCheckReply;
  assert.match((await check({ name: 'x', expr: 'cpu > > 1' })).error!, /^"expr" is not a valid expression/);
  assert.equal(
    (await call('POST', '/api/admin/rules', { name: 'file-rule', metric: 'cpu', op: '>', threshold: 1 })).status,
    409,
    'the file has this rule',
  );

  const agent = new TestAgent(s.ws, s.addNode('db-1'));
  t.after(() => agent.close());
  await agent.opened;
  agent.send(helloMessage());
  agent.sample(1, [80, 1, 2, 0.1]);
  await waitFor('sampled', () => agent.of('ack').length > 0);
  assert.deepEqual(await check({ name: 'cpu', metric: 'cpu', op: '>', threshold: 50 }), { ok: true, wouldFire: ['db-1'] }, 'preview');
  assert.deepEqual((await check({ name: 'cpu', expr: 'cpu > 90' })).wouldFire, []);

  const rule = { name: 'cpu', metric: 'cpu', op: '>', threshold: 50, for: '0s', notify: ['hook'] };
  assert.equal((await call('POST', '/api/admin/rules', rule)).status, 201);
  agent.sample(2, [90, 1, 2, 0.1]);
  await waitFor('fired to the receiver', () => receiver.requests.find((r) => r.body.rule === 'cpu' && r.body.state === 'firing'));
  assert.equal(receiver.requests.at(-1)!.headers.authorization, SECRET, 'the secret header is sent');

  // Edited without the secret: the stored one stays.
  assert.equal(
    (await call('PUT', '/api/admin/channels/hook', { type: 'webhook', url: receiver.url, headers: { Authorization: '' } })).status,
    200,
  );
  assert.equal((await call('PUT', '/api/admin/rules/cpu', { ...rule, threshold: 95 })).status, 200);
  agent.sample(3, [50, 1, 2, 0.1]);
  await waitFor('resolved', () => receiver.requests.find((r) => r.body.rule === 'cpu' && r.body.state === 'resolved'));
  assert.equal(receiver.requests.at(-1)!.headers.authorization, SECRET, 'kept on edit');
  assert.equal((await call('PUT', '/api/admin/rules/cpu', { ...rule, enabled: false })).status, 200);
  const sent = receiver.requests.length;
  agent.sample(4, [99, 1, 2, 0.1]);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(receiver.requests.length, sent, 'a disabled rule does not fire');

  assert.equal((await call('DELETE', '/api/admin/channels/hook')).status, 409, 'used by a rule');
  assert.equal((await call('POST', '/api/admin/channels/hook/test', {})).status, 200);
  const rules = (await call('GET', '/api/admin/rules')).body as unknown as RulesView;
  assert.deepEqual(
    rules.rules.map((r) => [r.name, r.source, r.enabled]),
    [
      ['file-rule', 'file', true],
      ['cpu', 'admin', false],
    ],
  );

  const audit = (await call('GET', '/api/admin/audit')).body as unknown as AuditEntry[];
  assert.deepEqual(audit.map((e) => e.action).slice(0, 3), [
    'test message sent through "hook"',
    'rule "cpu" changed (disabled)',
    'rule "cpu" changed',
  ]);
  assert.equal(audit[0]!.address, '127.0.0.1');
  for (const body of everything) assert.ok(!body.includes('s3cret') && !body.includes('file-secret'), `no secret in ${body}`);

  // Restoring a backup is putting the copy in place as probe.db: open it that way.
  const restoredDir = path.join(s.dataDir, 'restored');
  mkdirSync(restoredDir);
  await backupDatabase(s.dataDir, path.join(restoredDir, 'probe.db'));
  const restored = openSqliteStore(restoredDir);
  t.after(() => restored.close());
  assert.match(restored.getSetting('admin.rules') ?? '', /"cpu"/);
  assert.match(restored.getSetting('admin.channels') ?? '', /s3cret/);
  assert.ok(restored.auditLog(10).length >= 5);
});
