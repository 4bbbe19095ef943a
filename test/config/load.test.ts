import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load';
import { DEFAULTS } from '../../src/config/schema';
import { SETTINGS } from '../../src/config/settings';
import type { Setting } from '../../src/config/setting-row';
import { ProbeError } from '../../src/util/errors';
import { ROOT, tempDir } from '../helpers';

function writeConfig(dir: string, body: unknown): string {
  const file = path.join(dir, 'probe.json');
  writeFileSync(file, JSON.stringify(body));
  return file;
}

function configError(fn: () => unknown, mentions: string) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ProbeError);
    assert.equal(err.code, 'PROBE_ERR_CONFIG');
    assert.match(err.message, new RegExp(mentions.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    return true;
  });
}

test('defaults apply when nothing is given', () => {
  assert.deepEqual(loadConfig(), DEFAULTS);
});

test('precedence: defaults < file < environment < flags', (t) => {
  const dir = tempDir(t);
  const file = writeConfig(dir, { server: { listen: '127.0.0.1:1111', data: '/from/file', title: 'File' }, agent: { interval: '5s' } });
  const fileOnly = loadConfig({ file });
  assert.equal(fileOnly.server.listen, '127.0.0.1:1111');
  assert.equal(fileOnly.agent.intervalMs, 5000);
  assert.equal(fileOnly.server.localAgent, false, 'unset keys keep defaults');

  const env = { PROBE_LISTEN: '127.0.0.1:2222', PROBE_DATA: '/from/env', PROBE_LOCAL_AGENT: 'true' };
  const withEnv = loadConfig({ file, env });
  assert.equal(withEnv.server.listen, '127.0.0.1:2222');
  assert.equal(withEnv.server.data, '/from/env');
  assert.equal(withEnv.server.title, 'File');
  assert.equal(withEnv.server.localAgent, true);

  const withFlags = loadConfig({ file, env, flags: { 'server.listen': '127.0.0.1:3333', 'server.data': undefined } });
  assert.equal(withFlags.server.listen, '127.0.0.1:3333');
  assert.equal(withFlags.server.data, '/from/env', 'an absent flag does not override');
});

test('bad values name the key and the source', (t) => {
  const dir = tempDir(t);
  configError(() => loadConfig({ file: writeConfig(dir, { server: { listen: 8080 } }) }), '"server.listen" must be a string');
  configError(() => loadConfig({ file: writeConfig(dir, { server: { lisen: 'x:1' } }) }), '"server.lisen" is not a known setting');
  configError(() => loadConfig({ file: writeConfig(dir, { server: 'x' }) }), '"server" must be an object');
  configError(() => loadConfig({ env: { PROBE_INTERVAL: '100ms' } }), 'environment: "agent.interval" must be a duration');
  configError(() => loadConfig({ env: { PROBE_LOCAL_AGENT: 'maybe' } }), '"server.localAgent" must be true or false');
  configError(() => loadConfig({ flags: { 'server.listen': 'nohost' } }), 'command line: "server.listen" must be host:port');
  configError(() => loadConfig({ flags: { 'agent.server': 'ftp://x' } }), '"agent.server" must start with ws://');
  configError(() => loadConfig({ env: { PROBE_KEY: 'pk_one\npk_two' } }), 'environment: "agent.key" must be one key');
  configError(
    () => loadConfig({ env: { PROBE_ACK_INTERVAL: '500ms' } }),
    '"server.ackInterval" must be "auto" or a duration from 1s to 30s',
  );
  assert.equal(loadConfig({ env: { PROBE_ACK_INTERVAL: '1s' } }).server.ackIntervalMs, 1000);
  assert.throws(
    () => loadConfig({ flags: { 'agent.key': 'pk_secret value' } }),
    (err: Error) => !err.message.includes('secret'),
    'the key is not echoed',
  );
  configError(() => loadConfig({ file: path.join(dir, 'missing.json') }), 'cannot read config file');
  const broken = path.join(dir, 'broken.json');
  writeFileSync(broken, '{ "server": ');
  configError(() => loadConfig({ file: broken }), 'is not valid JSON');
});

/** The long form of a setting's flag (`--listen`), if `probe server` or `probe agent` takes it. */
function longFlag(setting: Setting): string | undefined {
  return setting.help ? /--[a-z-]+/.exec(setting.flag ?? '')?.[0] : undefined;
}

test('config.example.json is valid and documents every setting', () => {
  const file = path.join(ROOT, 'config.example.json');
  const config = loadConfig({ file });
  assert.equal(config.server.listen, '0.0.0.0:8080');
  const text = readFileSync(file, 'utf8');
  const example = JSON.parse(text) as Record<string, Record<string, unknown>>;
  for (const setting of SETTINGS) {
    const [section, name] = setting.key.split('.') as [string, string];
    assert.ok(example[section] && name in example[section], `config.example.json sets ${setting.key}`);
    for (const word of [setting.env, longFlag(setting)])
      if (word) assert.ok(text.includes(`${word},`) || text.includes(`${word})`), `config.example.json names ${word} (${setting.key})`);
  }
});

test('docs/configuration.md has a row for every setting with its variable and flag', () => {
  const rows = readFileSync(path.join(ROOT, 'docs/configuration.md'), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('| `'));
  for (const setting of SETTINGS) {
    const row = rows.find((line) => line.split(' | ')[0]!.includes(`\`${setting.key}\``));
    assert.ok(row, `a row for ${setting.key}`);
    const [, env, flag] = row.split(' | ');
    assert.ok(
      setting.env ? env!.includes(`\`${setting.env}\``) : !env!.includes('PROBE_'),
      `the row of ${setting.key} names ${setting.env ?? 'no variable'}`,
    );
    const long = longFlag(setting);
    if (long) assert.match(flag!, new RegExp(`${long}\\b`), `the row of ${setting.key} names ${long}`);
  }
});

test('page settings and per-node notes come from the file, with sizes and dates checked', (t) => {
  const dir = tempDir(t);
  const config = loadConfig({
    file: writeConfig(dir, {
      page: { description: 'ours', links: [{ label: 'Docs', url: 'https://example.com' }], showHostnames: true },
      nodes: {
        'tokyo-1': { price: '$5', billing: 'monthly', expires: '2027-03-01', trafficLimit: '1TB', trafficResetDay: 15, note: 'n' },
        hidden: { hidden: true },
      },
    }),
    env: { PROBE_DESCRIPTION: 'from env' },
  });
  assert.equal(config.page.description, 'from env', 'the environment wins over the file');
  assert.deepEqual(config.page.links, [{ label: 'Docs', url: 'https://example.com' }]);
  assert.equal(config.page.showHostnames, true);
  assert.deepEqual(config.nodes['tokyo-1'], {
    hidden: false,
    trafficResetDay: 15,
    notes: { price: '$5', billing: 'monthly', expires: '2027-03-01', trafficLimitBytes: 1e12, note: 'n' },
  });
  assert.deepEqual(config.nodes.hidden, { hidden: true, trafficResetDay: 1, notes: null });

  configError(
    () => loadConfig({ file: writeConfig(dir, { nodes: { a: { trafficLimit: 'lots' } } }) }),
    '"nodes.a.trafficLimit" must be a size',
  );
  configError(() => loadConfig({ file: writeConfig(dir, { nodes: { a: { expires: '1 March' } } }) }), '"nodes.a.expires" must be a date');
  configError(() => loadConfig({ file: writeConfig(dir, { nodes: { a: { trafficResetDay: 31 } } }) }), 'from 1 to 28');
  configError(() => loadConfig({ file: writeConfig(dir, { nodes: { a: { hiden: true } } }) }), '"nodes.a.hiden" is not a node setting');
  configError(
    () => loadConfig({ file: writeConfig(dir, { page: { links: [{ label: 'x', url: 'javascript:alert(1)' }] } }) }),
    'must start with http:// or https://',
  );
  configError(() => loadConfig({ file: writeConfig(dir, { page: { links: 'x' } }) }), '"page.links" must be a list');
});

test('cluster: peers and secret from the file or the environment, checked, the secret never echoed', (t) => {
  const dir = tempDir(t);
  const secret = 'a'.repeat(40);
  const config = loadConfig({
    file: writeConfig(dir, { cluster: { peers: ['https://b.example.com:8080/', 'http://10.0.0.3:8080'], secret } }),
  });
  assert.deepEqual(config.cluster, { peers: ['https://b.example.com:8080', 'http://10.0.0.3:8080'], secret });
  const env = loadConfig({ env: { PROBE_CLUSTER_PEERS: 'https://b.example.com, https://c.example.com', PROBE_CLUSTER_SECRET: secret } });
  assert.deepEqual(env.cluster.peers, ['https://b.example.com', 'https://c.example.com']);
  assert.deepEqual(loadConfig({}).cluster, { peers: [], secret: '' }, 'off unless set');
  configError(() => loadConfig({ env: { PROBE_CLUSTER_PEERS: 'https://b.example.com' } }), 'needs "cluster.secret"');
  configError(() => loadConfig({ env: { PROBE_CLUSTER_PEERS: 'ftp://b.example.com', PROBE_CLUSTER_SECRET: secret } }), 'cluster.peers');
  configError(() => loadConfig({ env: { PROBE_CLUSTER_PEERS: 'https://u:p@b.example.com', PROBE_CLUSTER_SECRET: secret } }), 'credentials');
  const short = 'hunter2-too-short';
  assert.throws(
    () => loadConfig({ env: { PROBE_CLUSTER_SECRET: short } }),
    (err: unknown) =>
      err instanceof ProbeError && err.code === 'PROBE_ERR_CONFIG' && /cluster.secret/.test(err.message) && !err.message.includes(short),
  );
});

test('store.postgres: from the file or PROBE_STORE_POSTGRES; a bad value is refused without echoing it', (t) => {
  const dir = tempDir(t);
  const file = writeConfig(dir, { store: { postgres: 'postgres://probe:pw@db.example:5432/probe' } });
  assert.equal(loadConfig({ file }).store.postgres, 'postgres://probe:pw@db.example:5432/probe');
  const env = { PROBE_STORE_POSTGRES: 'postgresql://probe@10.0.0.5/probe' };
  assert.equal(loadConfig({ file, env }).store.postgres, 'postgresql://probe@10.0.0.5/probe');
  assert.equal(loadConfig().store.postgres, '', 'none by default');
  assert.throws(
    () => loadConfig({ env: { PROBE_STORE_POSTGRES: 'mysql://probe:s3cret@db/probe' } }),
    (err: unknown) => {
      assert.ok(err instanceof ProbeError);
      assert.equal(err.code, 'PROBE_ERR_CONFIG');
      assert.match(err.message, /store\.postgres.*must be a PostgreSQL URL/);
      assert.doesNotMatch(err.message, /s3cret/);
      return true;
    },
  );
});
