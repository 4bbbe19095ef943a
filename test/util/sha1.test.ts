/**
 * The agent's SHA-1 (src/util/sha1.ts) against node:crypto's, on RFC 3174's vectors and on random
 * inputs of every length around the 64-byte block and its padding edges.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { sha1 } from '../../src/util/sha1';
import { SystemRandom } from '../../src/util/system-random';

test('sha1 gives the published digests and node:crypto’s for inputs of 0 to 300 bytes', () => {
  assert.equal(sha1(Buffer.from('abc')).toString('hex'), 'a9993e364706816aba3e25717850c26c9cd0d89d');
  assert.equal(
    sha1(Buffer.from('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toString('hex'),
    '84983e441c3bd26ebaae4aa1f95129e5e54670f1',
  );
  assert.equal(sha1(Buffer.alloc(0)).toString('hex'), 'da39a3ee5e6b4b0d3255bfef95601890afd80709');
  for (let length = 0; length <= 300; length++) {
    const data = randomBytes(length);
    assert.equal(sha1(data).toString('hex'), createHash('sha1').update(data).digest('hex'), `${length} bytes`);
  }
});

test('the WebSocket accept value of RFC 6455’s example', () => {
  const accept = sha1(Buffer.from('dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11')).toString('base64');
  assert.equal(accept, 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
});

test('SystemRandom never gives the same bytes twice, across refills of its 4 KiB pool, and refuses more than 4 KiB', () => {
  const random = new SystemRandom();
  const seen = new Set<string>();
  // 3 000 masks of 4 bytes: the pool refills twice; 16 bytes of handshake keys in between.
  for (let i = 0; i < 3000; i++) {
    const mask = random.fill(Buffer.alloc(i % 100 === 0 ? 16 : 4));
    seen.add(mask.toString('hex'));
  }
  // 32 random bits repeat among 3 000 draws with a chance of ~0.1 %; the pool's bytes never repeat by design.
  assert.ok(seen.size >= 2995, `${seen.size} distinct of 3000`);
  const all = random.fill(Buffer.alloc(4096));
  assert.ok(new Set(all).size > 200, 'a full pool is not constant');
  assert.throws(() => random.fill(Buffer.alloc(4097)), RangeError);
});
