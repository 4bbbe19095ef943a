/**
 * @module The config file's `checks` and the alert rules on them: loaded as parsed, and every bad
 * value a PROBE_ERR_CONFIG that names the file and the key.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load';
import { ProbeError } from '../../src/util/errors';
import { tempDir } from '../helpers';

const SITE = { name: 'Homepage', type: 'https', url: 'https://example.com/' };
const HOOK = { hook: { type: 'webhook', url: 'http://127.0.0.1:9/hook' } };

function load(t: { after(fn: () => void): void }, content: unknown) {
  const file = path.join(tempDir(t), 'probe.json');
  writeFileSync(file, JSON.stringify(content));
  return { file, config: () => loadConfig({ file }) };
}

test('checks and rules on them load from the config file', (t) => {
  const config = load(t, {
    checks: [SITE, { name: 'DB', type: 'tcp', host: '127.0.0.1:5432', interval: '15s', group: 'Internal', hidden: true }],
    notifications: HOOK,
    alerts: {
      rules: [
        { name: 'site-down', kind: 'check', for: '2m', checks: ['Homepage'], notify: ['hook'] },
        { name: 'cert-soon', kind: 'cert', within: '21d', notify: ['hook'] },
      ],
    },
  }).config();
  assert.deepEqual(
    config.checks.map((c) => [c.name, c.type, c.intervalMs, c.hidden]),
    [
      ['Homepage', 'https', 60_000, false],
      ['DB', 'tcp', 15_000, true],
    ],
  );
  const [down, cert] = config.rules;
  assert.deepEqual([down!.kind, down!.forMs, down!.kind === 'check' && down!.checks], ['check', 120_000, ['Homepage']]);
  assert.deepEqual([cert!.kind, cert!.kind === 'cert' && cert!.withinMs], ['cert', 21 * 86_400_000]);
});

test('a bad check or rule on checks is PROBE_ERR_CONFIG naming the file and the key', (t) => {
  const cases: [unknown, RegExp][] = [
    [{ checks: [{ ...SITE, url: 'http://example.com/' }] }, /"checks\[0\]\.url"/],
    [{ checks: [SITE, { name: 'x', type: 'tcp', host: 'nope' }] }, /"checks\[1\]\.host"/],
    [{ checks: [SITE, SITE] }, /"checks\[1\]\.name" must be unique/],
    [{ checks: [{ ...SITE, interval: '1s' }] }, /"checks\[0\]\.interval"/],
    [{ checks: [{ ...SITE, type: 'ftp' }] }, /"checks\[0\]\.type"/],
    [{ checks: { a: 1 } }, /"checks" must be a list/],
    [
      { checks: [SITE], notifications: HOOK, alerts: { rules: [{ name: 'r', kind: 'check', checks: ['Nope'], notify: ['hook'] }] } },
      /"alerts\.rules\[0\]\.checks" names "Nope"/,
    ],
    [
      { checks: [SITE], notifications: HOOK, alerts: { rules: [{ name: 'r', kind: 'cert', within: 'soon', notify: ['hook'] }] } },
      /"alerts\.rules\[0\]\.within" must be a duration/,
    ],
    [
      { checks: [SITE], notifications: HOOK, alerts: { rules: [{ name: 'r', kind: 'check', scope: { nodes: ['a'] }, notify: ['hook'] }] } },
      /"alerts\.rules\[0\]\.scope\.nodes" does not apply/,
    ],
  ];
  for (const [content, message] of cases) {
    const { file, config } = load(t, content);
    assert.throws(config, (err: unknown) => {
      assert.ok(err instanceof ProbeError && err.code === 'PROBE_ERR_CONFIG', String(err));
      assert.match(err.message, message);
      assert.ok(err.message.startsWith(file), err.message);
      return true;
    });
  }
});
