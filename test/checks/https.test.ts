import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { parseCheck } from '../../src/checks/checks';
import type { HttpCheck } from '../../src/checks/http';
import { httpCheck } from '../../src/checks/http';
import type { tempDir } from '../helpers';
import { selfSignedCert } from './self-signed';

const DAY_MS = 86_400_000;

/** An HTTPS server on loopback with a self-signed certificate for CN=localhost that expires in 5 days, made now by openssl. */
async function selfSignedServer(t: Parameters<typeof tempDir>[0]): Promise<{ base: string; made: number }> {
  const { key, cert, made } = selfSignedCert(t);
  const server = https.createServer({ key, cert }, (req, res) => {
    if (req.url === '/to-plain') return res.writeHead(302, { location: 'https://127.0.0.1:1/' }).end();
    res.end('secure hello');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return { base: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, made };
}

const check = (fields: Record<string, unknown>) => parseCheck({ name: 'secure', type: 'https', ...fields }, 'checks[0]') as HttpCheck;
const run = (fields: Record<string, unknown>) => httpCheck.run(check(fields), new AbortController().signal);

test('a self-signed certificate: its expiry and issuer are read, it does not verify, and only insecure accepts it', async (t) => {
  const { base, made } = await selfSignedServer(t);

  const strict = await run({ url: `${base}/`, keyword: 'secure hello' });
  assert.equal(strict.up, false);
  assert.equal(strict.latencyMs, null);
  assert.match(
    strict.error!,
    /^the certificate does not verify: the certificate is self-signed \(DEPTH_ZERO_SELF_SIGNED_CERT\); "insecure": true accepts it$/,
  );
  assert.ok(strict.cert, 'the certificate is reported although the check is down because of it');
  assert.equal(strict.cert.issuer, 'CN=localhost');
  assert.equal(strict.cert.verified, false);
  // openssl writes notAfter to the second: within a minute of 5 days from when it was made.
  assert.ok(Math.abs(strict.cert.expiresAt - (made + 5 * DAY_MS)) < 60_000, `expires ${new Date(strict.cert.expiresAt).toISOString()}`);

  const insecure = await run({ url: `${base}/`, keyword: 'secure hello', insecure: true });
  assert.equal(insecure.error, undefined);
  assert.equal(insecure.up, true);
  assert.equal(typeof insecure.latencyMs, 'number');
  assert.deepEqual(insecure.cert, strict.cert, 'the same certificate, still not verified');
});

test("the certificate reported is the configured URL's, also when a redirect then fails", async (t) => {
  const { base } = await selfSignedServer(t);
  const result = await run({ url: `${base}/to-plain`, insecure: true });
  assert.equal(result.up, false);
  assert.match(result.error!, /connection refused by 127\.0\.0\.1 port 1/);
  assert.equal(result.cert?.issuer, 'CN=localhost');
});

test('an https check needs an https URL', () => {
  assert.throws(() => check({ url: 'http://127.0.0.1/' }), {
    code: 'PROBE_ERR_CONFIG',
    message: /^"checks\[0\]\.url" must be an https:\/\/ URL for a check of type https/,
  });
});
