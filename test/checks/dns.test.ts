import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseCheck } from '../../src/checks/checks';
import type { DnsCheck } from '../../src/checks/dns';
import { dnsCheck } from '../../src/checks/dns';
import type { DnsServer } from './dns-server';
import { startDnsServer } from './dns-server';

let server: DnsServer;
before(async () => {
  server = await startDnsServer({
    A: { 'www.example.test': ['192.0.2.10', '192.0.2.11'] },
    TXT: { 'example.test': ['v=spf1 -all', 'probe-site-verification=42'] },
    silent: ['slow.example.test'],
  });
});
after(() => server.close());

const check = (fields: Record<string, unknown>) =>
  parseCheck({ name: 'dns', type: 'dns', resolver: server.address, timeout: '2s', ...fields }, 'checks[0]') as DnsCheck;
const run = (fields: Record<string, unknown>) => dnsCheck.run(check(fields), new AbortController().signal);

test('an A record from the resolver we name is up, with the query time as latency', async () => {
  const result = await run({ host: 'www.example.test' });
  assert.equal(result.error, undefined);
  assert.equal(result.up, true);
  assert.ok(typeof result.latencyMs === 'number' && result.latencyMs >= 0);
  assert.ok(server.questions.includes('A www.example.test'), 'the question went to our resolver');
});

test('the expected answer must be among the answers', async () => {
  assert.equal((await run({ host: 'www.example.test', expect: '192.0.2.11' })).up, true);
  const wrong = await run({ host: 'www.example.test', expect: '192.0.2.99' });
  assert.equal(wrong.up, false);
  assert.match(wrong.error!, /expected "192\.0\.2\.99", got "192\.0\.2\.10", "192\.0\.2\.11"/);
  assert.equal(typeof wrong.latencyMs, 'number', 'an answer came, so it took a measurable time');
});

test('TXT records are matched whole', async () => {
  assert.equal((await run({ host: 'example.test', record: 'TXT', expect: 'probe-site-verification=42' })).up, true);
  assert.equal((await run({ host: 'example.test', record: 'TXT', expect: 'probe-site-verification' })).up, false);
});

test('an unknown name is down with NXDOMAIN in words', async () => {
  const result = await run({ host: 'nothing.example.test' });
  assert.equal(result.up, false);
  assert.equal(result.latencyMs, null);
  assert.match(result.error!, /^A nothing\.example\.test: no such name \(ENOTFOUND\)$/);
});

test('a name with no records of the type is down', async () => {
  const result = await run({ host: 'example.test', record: 'A' });
  assert.equal(result.up, false);
  assert.match(result.error!, /no records of this type/);
});

test('a resolver that does not answer makes the check time out', async () => {
  const result = await run({ host: 'slow.example.test', timeout: '300ms' });
  assert.equal(result.up, false);
  assert.match(result.error!, /timed out after 300ms|did not answer/);
});

test('resolver, record and host are validated', () => {
  assert.throws(() => check({ host: 'x.test', resolver: 'dns.google' }), {
    code: 'PROBE_ERR_CONFIG',
    message: /^"checks\[0\]\.resolver" must be an IP address/,
  });
  assert.throws(() => check({ host: 'x.test', record: 'SRV' }), {
    code: 'PROBE_ERR_CONFIG',
    message: /^"checks\[0\]\.record" must be one of A, AAAA, CNAME, MX, TXT, NS/,
  });
  assert.throws(() => check({ host: '-x.test' }), { code: 'PROBE_ERR_CONFIG', message: /^"checks\[0\]\.host" must be a host name/ });
  assert.throws(() => check({ host: 'x.test', name: undefined }), {
    code: 'PROBE_ERR_CONFIG',
    message: /^"checks\[0\]\.name" must be a string of 1 to 100 characters/,
  });
  assert.deepEqual(check({ host: 'x.test', resolver: '[::1]:5353' }).resolver, '[::1]:5353');
});
