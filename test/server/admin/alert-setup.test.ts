/**
 * The rules and channels in force from the config file and the admin's settings: the file wins on
 * a name clash, disabled rules do not run, every change reaches the engine's and the notifier's
 * sinks, and a stored entry that no longer parses is skipped (logged without its secret) instead
 * of stopping the server.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRules } from '../../../src/alerts/rules';
import type { Rule } from '../../../src/alerts/rules';
import type { Channel } from '../../../src/notify/channels';
import { parseChannels } from '../../../src/notify/channels';
import { AlertSetup } from '../../../src/server/admin/alert-setup';
import { createMemoryStore } from '../../../src/store/memory-store';
import { setLogLevel } from '../../../src/util/log';

test('file and admin rules and channels: precedence, enabled, applied to the sinks, broken entries skipped', (t) => {
  const store = createMemoryStore();
  const channels = parseChannels({ ops: { type: 'webhook', url: 'http://127.0.0.1:9/file' } });
  const rules = parseRules(
    {
      rules: [
        { name: 'cpu', metric: 'cpu', op: '>', threshold: 90, notify: ['ops'] },
        { name: 'quota', kind: 'traffic', percent: [80, 90] },
      ],
    },
    channels,
  );
  store.putSetting(
    'admin.channels',
    JSON.stringify({
      ops: { type: 'webhook', url: 'http://127.0.0.1:9/admin' },
      broken: { type: 'slack', url: 'not a url https://hooks.example/T0/secret-path' },
    }),
  );
  const seen: { rules: Rule[][]; channels: Record<string, Channel>[] } = { rules: [], channels: [] };
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
  t.after(() => (process.stderr.write = write));
  setLogLevel('warn');
  const setup = new AlertSetup(
    store,
    { rules, channels },
    { rules: (r) => seen.rules.push([...r]), channels: (c) => seen.channels.push(c) },
  );
  assert.equal((setup.channels().ops as { url: string }).url, 'http://127.0.0.1:9/file', 'the file wins');
  assert.deepEqual(Object.keys(setup.channels()), ['ops'], 'the broken one is skipped');
  assert.ok(lines.some((l) => l.includes('admin channel skipped')));
  assert.ok(!lines.join('').includes('secret-path'), 'without its secret');

  assert.ok(setup.fileHasRule('quota'), 'a stepped rule by its written name');
  setup.saveRules([
    { name: 'cpu', metric: 'cpu', op: '>', threshold: 1 },
    { name: 'mem', metric: 'memUsedBytes', op: '>', threshold: 1, notify: ['ops'] },
    { name: 'off', kind: 'offline', enabled: false },
  ]);
  assert.deepEqual(
    seen.rules.at(-1)!.map((r) => r.name),
    ['cpu', 'quota@80', 'quota@90', 'mem'],
    'file rules first, the file wins, disabled left out',
  );
  assert.equal((seen.rules.at(-1)![0] as { threshold: number }).threshold, 90);
  assert.equal(seen.channels.length, 1);
});
