import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseRules } from '../../src/alerts/rules';
import { parseChannels } from '../../src/notify/channels';
import { loadConfig } from '../../src/config/load';
import { ProbeError } from '../../src/util/errors';
import { ROOT, tempDir } from '../helpers';

const channels = parseChannels({ 'ops-hook': { type: 'webhook', url: 'https://example.com/hook' } });

function fails(alerts: unknown, mentions: string) {
  assert.throws(
    () => parseRules(alerts, channels),
    (e: unknown) => e instanceof ProbeError && e.code === 'PROBE_ERR_CONFIG' && e.message.includes(mentions),
    mentions,
  );
}

test('rules parse with defaults: severity warning, scope all, offline for 60 s', () => {
  const [cpu, down] = parseRules(
    {
      rules: [
        { name: 'cpu-high', metric: 'cpu', op: '>', threshold: 90, for: '5m', notify: ['ops-hook'] },
        { name: 'node-down', kind: 'offline', notify: ['ops-hook'] },
      ],
    },
    channels,
  );
  assert.deepEqual(cpu, {
    name: 'cpu-high',
    kind: 'threshold',
    metric: 'cpu',
    op: '>',
    threshold: 90,
    recover: null,
    forMs: 300_000,
    repeatMs: 0,
    severity: 'warning',
    scope: { groups: [], nodes: [] },
    notify: ['ops-hook'],
  });
  assert.equal(down!.kind, 'offline');
  const [e] = parseRules({ rules: [{ name: 'mem-low', expr: 'memAvailableBytes / memTotalBytes * 100 < 10', for: '10m' }] }, channels);
  assert.equal(e!.kind, 'expr');
  assert.equal(down!.forMs, 60_000);
});

test('bad rules name the key', () => {
  fails({ rules: [{ name: 'x', metric: 'cpuu', op: '>', threshold: 1 }] }, 'alerts.rules[0].metric');
  fails({ rules: [{ name: 'x', metric: 'cpu', op: '=>', threshold: 1 }] }, 'alerts.rules[0].op');
  fails({ rules: [{ name: 'x', metric: 'cpu', op: '>', threshold: '90' }] }, 'alerts.rules[0].threshold');
  fails({ rules: [{ name: 'x', metric: 'cpu', op: '>', threshold: 1, for: 'soon' }] }, 'alerts.rules[0].for');
  fails({ rules: [{ name: 'x', metric: 'cpu', op: '>', threshold: 1, notify: ['pager'] }] }, '"pager", which is not under "notifications"');
  fails(
    {
      rules: [
        { name: 'a', kind: 'offline' },
        { name: 'a', kind: 'offline' },
      ],
    },
    'alerts.rules[1].name',
  );
  fails({ rules: [{ name: 'q', kind: 'quota' }] }, 'alerts.rules[0].kind');
  fails({ rules: [{ name: 'e', expr: 'cpu > && 1' }] }, '"alerts.rules[0].expr" is not a valid expression: unexpected "&&"');
  fails(
    { rules: [{ name: 'e', expr: 'cpu > 1', recover: 'cpuu < 1' }] },
    '"alerts.rules[0].recover" is not a valid expression: unknown name "cpuu"',
  );
  assert.throws(() => parseChannels({ x: { type: 'carrier-pigeon' } }), /notifications.x.type" must be one of webhook, email, telegram/);
  assert.throws(() => parseChannels({ x: { type: 'telegram', chatId: '1' } }), /notifications.x.botToken" is required for telegram/);
  assert.throws(() => parseChannels({ x: { type: 'ntfy', topic: 't', server: 'ntfy.sh' } }), /notifications.x.server" must be an http/);
  assert.deepEqual(
    parseChannels({ x: { type: 'ntfy', topic: 'alerts' } }).x,
    { type: 'ntfy', topic: 'alerts', server: 'https://ntfy.sh', token: '' },
    'defaults fill in',
  );
  assert.throws(() => parseChannels({ x: { type: 'webhook', url: 'ftp://x' } }), /notifications.x.url/);
});

test('the config file carries rules and channels; errors name the file too', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'probe.json');
  writeFileSync(
    file,
    JSON.stringify({
      notifications: { hook: { type: 'webhook', url: 'http://127.0.0.1:9/x' } },
      alerts: { rules: [{ name: 'r', metric: 'load1', op: '>', threshold: 4, notify: ['hook'] }] },
    }),
  );
  const config = loadConfig({ file });
  assert.equal(config.rules[0]!.name, 'r');
  assert.deepEqual(config.channels.hook, { type: 'webhook', url: 'http://127.0.0.1:9/x', headers: {} });
  writeFileSync(file, JSON.stringify({ alerts: { rules: [{ name: 'r', metric: 'load1', op: '>', threshold: 4, notify: ['hook'] }] } }));
  assert.throws(
    () => loadConfig({ file }),
    (e: unknown) => e instanceof ProbeError && e.message.startsWith(file) && e.message.includes('"hook"'),
  );
  assert.ok(loadConfig({ file: path.join(ROOT, 'config.example.json') }).rules.length >= 2, 'the example config has working rules');
});
