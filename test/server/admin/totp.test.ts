/**
 * TOTP against RFC 6238's test vectors (appendix B), and the admin's second factor on an injected
 * clock: a code in the window passes, a reused or stale one fails, recovery codes work once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SecondFactor, resetSecondFactor } from '../../../src/server/admin/second-factor';
import { base32Decode, base32Encode, totp } from '../../../src/server/admin/totp';
import type { TotpAlgorithm } from '../../../src/server/admin/totp';
import { createMemoryStore } from '../../../src/store/memory-store';

const SEEDS: Record<TotpAlgorithm, Buffer> = {
  sha1: Buffer.from('12345678901234567890'),
  sha256: Buffer.from('12345678901234567890123456789012'),
  sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234'),
};
const VECTORS: [number, string, string, string][] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

test('RFC 6238 appendix B: every vector, SHA-1, SHA-256 and SHA-512, 8 digits', () => {
  for (const [seconds, sha1, sha256, sha512] of VECTORS) {
    assert.equal(totp(SEEDS.sha1, seconds * 1000, 8, 'sha1'), sha1, `sha1 at ${seconds}`);
    assert.equal(totp(SEEDS.sha256, seconds * 1000, 8, 'sha256'), sha256, `sha256 at ${seconds}`);
    assert.equal(totp(SEEDS.sha512, seconds * 1000, 8, 'sha512'), sha512, `sha512 at ${seconds}`);
  }
});

test('base32 round trip (RFC 4648 vectors)', () => {
  assert.equal(base32Encode(Buffer.from('foobar')), 'MZXW6YTBOI');
  assert.equal(base32Decode('MZXW6YTBOI').toString(), 'foobar');
  assert.equal(base32Decode('mzxw 6ytb-oi').toString(), 'foobar');
});

test('second factor on an injected clock: set up with a first code; in-window codes pass once; stale and reused fail; recovery codes work once', () => {
  const store = createMemoryStore();
  let now = Date.UTC(2026, 10, 28, 12, 0, 10);
  const factor = new SecondFactor(store, () => now);
  assert.deepEqual(factor.verify('123456'), { ok: true }, 'no second factor: nothing to check');
  const { secret, uri } = factor.begin('admin');
  assert.match(uri, new RegExp(`^otpauth://totp/probe:admin\\?secret=${secret}&issuer=probe`));
  const key = base32Decode(secret);
  const code = (at: number) => totp(key, at);
  assert.equal(factor.confirm('000000' === code(now) ? '111111' : '000000'), null, 'a wrong first code enables nothing');
  assert.equal(factor.enabled(), false);
  const recovery = factor.confirm(code(now))!;
  assert.equal(recovery.length, 10);
  assert.equal(factor.enabled(), true);
  assert.equal(factor.verify(code(now)).ok, false, 'the code used to confirm is spent');

  now += 30_000;
  assert.equal(factor.verify(code(now)).ok, true, 'the current code');
  assert.equal(factor.verify(code(now)).ok, false, 'reused');
  now += 30_000;
  assert.equal(factor.verify(code(now - 30_000)).ok, false, 'the previous step was used already');
  assert.equal(factor.verify(code(now + 30_000)).ok, true, 'one step ahead (a clock running fast) passes');
  now += 120_000;
  assert.equal(factor.verify(code(now - 90_000)).ok, false, 'stale: three steps old');
  assert.equal(factor.verify(code(now - 30_000)).ok, true, 'one step late passes');

  assert.deepEqual(factor.verify(recovery[0]!.toUpperCase()), { ok: true, recovery: true });
  assert.equal(factor.verify(recovery[0]!).ok, false, 'a recovery code works once');
  assert.equal(factor.recoveryLeft(), 9);
  assert.ok(!(store.getSetting('admin.totp') ?? '').includes(recovery[1]!), 'recovery codes are stored hashed');

  assert.equal(factor.disable('999999' === code(now) ? '888888' : '999999'), false);
  assert.equal(factor.disable(recovery[1]!), true);
  assert.equal(factor.enabled(), false);
  factor.begin('admin');
  assert.equal(resetSecondFactor(store), false);
});
