import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseChecks } from '../../src/checks/checks';
import { ROOT } from '../helpers';

const CONFIG = [
  { name: 'Homepage', type: 'https', url: 'https://example.com/', keyword: 'Welcome', group: 'Web' },
  {
    name: 'API',
    type: 'http',
    url: 'http://10.0.0.2:8080/healthz',
    method: 'HEAD',
    status: [200, '204-204'],
    redirects: false,
    interval: '30s',
    timeout: '5s',
    hidden: true,
  },
  { name: 'Postgres', type: 'tcp', host: 'db.internal:5432', interval: '15s' },
  { name: 'Gateway', type: 'icmp', host: '10.0.0.1' },
  { name: 'MX', type: 'dns', host: 'example.com', record: 'MX', expect: 'mail.example.com', resolver: '1.1.1.1' },
];

test('a checks list with every type parses to typed checks with the defaults filled in', () => {
  const checks = parseChecks(CONFIG);
  assert.deepEqual(checks[0], {
    name: 'Homepage',
    type: 'https',
    intervalMs: 60_000,
    timeoutMs: 10_000,
    group: 'Web',
    hidden: false,
    url: 'https://example.com/',
    method: 'GET',
    status: [[200, 399]],
    keyword: 'Welcome',
    headers: {},
    redirects: 5,
    insecure: false,
  });
  assert.deepEqual(
    checks[1]!.type === 'http' && [
      checks[1].method,
      checks[1].status,
      checks[1].redirects,
      checks[1].intervalMs,
      checks[1].timeoutMs,
      checks[1].hidden,
    ],
    [
      'HEAD',
      [
        [200, 200],
        [204, 204],
      ],
      0,
      30_000,
      5000,
      true,
    ],
  );
  assert.deepEqual(checks[2], {
    name: 'Postgres',
    type: 'tcp',
    intervalMs: 15_000,
    timeoutMs: 10_000,
    hidden: false,
    host: 'db.internal',
    port: 5432,
  });
  assert.deepEqual(checks[3], { name: 'Gateway', type: 'icmp', intervalMs: 60_000, timeoutMs: 10_000, hidden: false, host: '10.0.0.1' });
  assert.deepEqual(checks[4], {
    name: 'MX',
    type: 'dns',
    intervalMs: 60_000,
    timeoutMs: 10_000,
    hidden: false,
    host: 'example.com',
    record: 'MX',
    expect: 'mail.example.com',
    resolver: '1.1.1.1',
  });
  assert.deepEqual(parseChecks(undefined), []);
});

test('a short interval gets a timeout no longer than itself', () => {
  assert.equal(parseChecks([{ name: 'x', type: 'tcp', host: 'h:1', interval: '5s' }])[0]!.timeoutMs, 5000);
});

test('a bad checks list is a PROBE_ERR_CONFIG naming the key', () => {
  const bad = (value: unknown, message: RegExp) =>
    assert.throws(
      () => parseChecks(value),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'PROBE_ERR_CONFIG');
        assert.match(err.message, message);
        return true;
      },
    );
  bad({ name: 'x' }, /^"checks" must be a list of at most 1000 checks$/);
  bad(['x'], /^"checks\[0\]" must be an object$/);
  bad([{ name: 'x', type: 'smtp' }], /^"checks\[0\]\.type" must be one of http, https, tcp, icmp, dns, got "smtp"$/);
  bad([{ name: 'x', host: 'h:1' }], /^"checks\[0\]\.type" is required/);
  bad(
    [...CONFIG, { name: 'API', type: 'tcp', host: 'h:1' }],
    /^"checks\[5\]\.name" must be unique: "API" is also the name of checks\[1\]$/,
  );
  bad(
    [CONFIG[0], { name: 'x', type: 'tcp', host: 'h:1', url: 'http://x/' }],
    /^"checks\[1\]\.url" is not a known setting \(known: name, type, interval, timeout, group, hidden, host\)$/,
  );
  bad([{ name: 'x', type: 'tcp', host: 'h:1', interval: '1s' }], /^"checks\[0\]\.interval" must be from 5s to 1d, got "1s"$/);
  bad([{ name: 'x', type: 'tcp', host: 'h:1', interval: 'often' }], /^"checks\[0\]\.interval" must be a duration/);
  bad(
    [{ name: 'x', type: 'tcp', host: 'h:1', interval: '10s', timeout: '20s' }],
    /^"checks\[0\]\.timeout" must be from 100ms to the interval \(10s\), got "20s"$/,
  );
  bad([{ name: ' x', type: 'tcp', host: 'h:1' }], /^"checks\[0\]\.name" must not start or end with spaces/);
  bad([{ name: 'x', type: 'tcp', host: 'h:1', hidden: 1 }], /^"checks\[0\]\.hidden" must be true or false, got 1$/);
  bad([{ name: 'x', type: 'tcp', host: 'h:1', group: 7 }], /^"checks\[0\]\.group" must be a string/);
  bad([{ name: 'x', type: 'icmp' }], /^"checks\[0\]\.host" must be a string/);
  bad([{ name: 'x', type: 'dns', host: 'example.com', expect: 5 }], /^"checks\[0\]\.expect" must be a string/);
});

test('keys starting with // are comments', () => {
  assert.equal(parseChecks([{ '//': 'the database', name: 'db', type: 'tcp', host: 'db:5432' }]).length, 1);
});

test('the example in docs/checks.md parses', () => {
  const doc = readFileSync(path.join(ROOT, 'docs/checks.md'), 'utf8');
  const json = /```json\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(json, 'docs/checks.md has a json example');
  assert.deepEqual(
    parseChecks((JSON.parse(json) as { checks: unknown }).checks).map((c) => c.type),
    ['https', 'http', 'tcp', 'icmp', 'dns'],
  );
});
