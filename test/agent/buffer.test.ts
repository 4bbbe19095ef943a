import assert from 'node:assert/strict';
import { appendFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { SampleBuffer } from '../../src/agent/buffer';
import { tempDir } from '../helpers';

const T0 = 1_764_000_000_000;
const sample = (seq: number, ts = T0 + seq * 1000) => ({ seq, ts, text: `{"type":"sample","seq":${seq}}` });

test('samples stay until acked, in any order, and survive a restart', (t) => {
  const dir = tempDir(t);
  const buffer = new SampleBuffer(dir);
  assert.equal(buffer.nextSeq(), 1);
  for (let seq = 1; seq <= 10; seq++) buffer.append(sample(seq), T0);
  buffer.ack([10, 9]); // live samples acked before the backfill
  buffer.ack([1, 2, 3]);
  assert.deepEqual(buffer.unacked(0, 100).map((s) => s.seq), [4, 5, 6, 7, 8]);
  buffer.close();

  const again = new SampleBuffer(dir);
  assert.equal(again.nextSeq(), 11, 'sequence numbers continue after a restart');
  assert.deepEqual(again.unacked(0, 100).map((s) => s.seq), [4, 5, 6, 7, 8]);
  assert.deepEqual(again.unacked(5, 2).map((s) => s.seq), [6, 7], 'after a cursor, at most a batch');
  assert.equal(again.unacked(0, 1)[0]!.text, '{"type":"sample","seq":4}');
  again.close();
});

test('fully acked segments are deleted; a torn last line after a crash is ignored', (t) => {
  const dir = tempDir(t);
  const buffer = new SampleBuffer(dir);
  for (let seq = 1; seq <= 2500; seq++) buffer.append(sample(seq), T0);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.seg')).sort(), ['1.seg', '1001.seg', '2001.seg']);
  buffer.ack(Array.from({ length: 1500 }, (_, i) => i + 1));
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.seg')).sort(), ['1001.seg', '2001.seg']);
  buffer.close();
  appendFileSync(path.join(dir, '2001.seg'), '2501 17640');
  const again = new SampleBuffer(dir);
  assert.equal(again.unackedCount, 1000);
  assert.equal(again.nextSeq(), 2501);
  again.close();
});

test('over its byte or age limit the buffer drops its oldest segment and counts what was unsent', (t) => {
  const dir = tempDir(t);
  const line = 30; // bytes per stored sample in this test, roughly
  const buffer = new SampleBuffer(dir, { maxBytes: 1500 * line, maxAgeMs: 24 * 3_600_000 });
  for (let seq = 1; seq <= 2200; seq++) buffer.append(sample(seq), T0 + 2200 * 1000);
  assert.ok(buffer.dropped >= 1000, `dropped ${buffer.dropped}`);
  assert.equal(buffer.unacked(0, 1)[0]!.seq, buffer.dropped + 1, 'the oldest go first');
  buffer.close();

  const aged = new SampleBuffer(tempDir(t), { maxBytes: 64 * 1024 * 1024, maxAgeMs: 60_000 });
  for (let seq = 1; seq <= 1000; seq++) aged.append(sample(seq, T0), T0);
  aged.append(sample(1001, T0 + 120_000), T0 + 120_000);
  assert.equal(aged.dropped, 1000, 'a segment older than the age limit goes');
  aged.close();
});

test('a backlog larger than the memory window is read back from disk, batch by batch, each sample once', (t) => {
  const dir = tempDir(t);
  const buffer = new SampleBuffer(dir);
  for (let seq = 1; seq <= 5000; seq++) buffer.append(sample(seq), T0);
  const seen: number[] = [];
  let cursor = 0;
  for (;;) {
    const batch = buffer.unacked(cursor, 100);
    if (batch.length === 0) break;
    seen.push(...batch.map((s) => s.seq));
    cursor = batch.at(-1)!.seq;
  }
  assert.deepEqual(seen, Array.from({ length: 5000 }, (_, i) => i + 1));
  assert.equal(buffer.unacked(0, 1)[0]!.text, '{"type":"sample","seq":1}', 'from disk, intact');
  buffer.close();
});
