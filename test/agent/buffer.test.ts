import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { MEMORY_HOLD_SAMPLES, SampleBuffer } from '../../src/agent/buffer';
import { tempDir } from '../helpers';
import { mountTmpfs } from '../tmpfs';
import { setLogLevel } from '../../src/util/log';

const T0 = 1_764_000_000_000;
const sample = (seq: number, ts = T0 + seq * 1000) => ({ seq, ts, text: `{"type":"sample","seq":${seq}}` });

test('samples stay until acked, in any order, and survive a restart', (t) => {
  const dir = tempDir(t);
  const buffer = new SampleBuffer(dir);
  assert.equal(buffer.nextSeq(), 1);
  for (let seq = 1; seq <= 10; seq++) buffer.append(sample(seq), T0);
  buffer.ack([10, 9]); // live samples acked before the backfill
  buffer.ack([1, 2, 3]);
  assert.deepEqual(
    buffer.unacked(0, 100).map((s) => s.seq),
    [4, 5, 6, 7, 8],
  );
  buffer.close();

  const again = new SampleBuffer(dir);
  assert.equal(again.nextSeq(), 11, 'sequence numbers continue after a restart');
  assert.deepEqual(
    again.unacked(0, 100).map((s) => s.seq),
    [4, 5, 6, 7, 8],
  );
  assert.deepEqual(
    again.unacked(5, 2).map((s) => s.seq),
    [6, 7],
    'after a cursor, at most a batch',
  );
  assert.equal(again.unacked(0, 1)[0]!.text, '{"type":"sample","seq":4}');
  again.close();
});

test('fully acked segments are deleted; a torn last line after a crash is ignored', (t) => {
  const dir = tempDir(t);
  const buffer = new SampleBuffer(dir);
  for (let seq = 1; seq <= 2500; seq++) buffer.append(sample(seq), T0);
  assert.deepEqual(
    readdirSync(dir)
      .filter((f) => f.endsWith('.seg'))
      .sort(),
    ['1.seg', '1001.seg', '2001.seg'],
  );
  buffer.ack(Array.from({ length: 1500 }, (_, i) => i + 1));
  assert.deepEqual(
    readdirSync(dir)
      .filter((f) => f.endsWith('.seg'))
      .sort(),
    ['1001.seg', '2001.seg'],
  );
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
  assert.deepEqual(
    seen,
    Array.from({ length: 5000 }, (_, i) => i + 1),
  );
  assert.equal(buffer.unacked(0, 1)[0]!.text, '{"type":"sample","seq":1}', 'from disk, intact');
  buffer.close();
});

test('after a restart with another schema, buffered samples are rewritten by name; unknown old arrays are dropped and counted', (t) => {
  const dir = tempDir(t);
  const arraySample = (seq: number, values: (number | null)[]) => ({
    seq,
    ts: T0 + seq * 1000,
    text: JSON.stringify({ type: 'sample', seq, ts: T0 + seq * 1000, values }),
  });
  const before = new SampleBuffer(dir, undefined, ['cpu', 'load1']);
  before.append(arraySample(1, [10, 0.5]), T0);
  before.append(arraySample(2, [20, null]), T0);
  before.ack([1]);
  before.close();

  // The new run has new metrics (an upgrade, or latency targets added): arrays of the old shape would be misread.
  const after = new SampleBuffer(dir, undefined, ['cpu', 'memUsedBytes', 'load1']);
  const [backfill] = after.unacked(0, 10);
  assert.equal(backfill!.seq, 2);
  assert.deepEqual(JSON.parse(backfill!.text), { type: 'sample', seq: 2, ts: T0 + 2000, values: { cpu: 20 } });
  after.append(arraySample(3, [30, 1024, 0.1]), T0);
  assert.deepEqual(JSON.parse(after.unacked(2, 10)[0]!.text).values, [30, 1024, 0.1], 'new samples keep the array form');
  after.close();
  const again = new SampleBuffer(dir, undefined, ['cpu', 'memUsedBytes', 'load1']);
  assert.deepEqual(
    again.unacked(0, 10).map((s) => s.seq),
    [2, 3],
    'nothing rewritten twice or lost',
  );
  assert.equal(again.dropped, 0);
  again.close();

  // A segment from before schemas were recorded: kept if its arrays fit, else dropped and counted.
  const legacy = tempDir(t);
  const old = new SampleBuffer(legacy);
  old.append(arraySample(1, [1, 2]), T0);
  old.append(arraySample(2, [3, 4]), T0);
  old.close();
  const fits = new SampleBuffer(legacy, undefined, ['cpu', 'load1']);
  assert.deepEqual(JSON.parse(fits.unacked(0, 10)[1]!.text).values, { cpu: 3, load1: 4 });
  fits.close();
  const legacy2 = tempDir(t);
  const old2 = new SampleBuffer(legacy2);
  old2.append(arraySample(1, [1, 2]), T0);
  old2.close();
  const misfit = new SampleBuffer(legacy2, undefined, ['cpu', 'memUsedBytes', 'load1']);
  assert.deepEqual(misfit.unacked(0, 10), []);
  assert.equal(misfit.dropped, 1);
  assert.equal(misfit.nextSeq(), 2, 'sequence numbers still continue');
  misfit.close();
});

test('a garbled or truncated segment: its unreadable lines are skipped and counted as dropped, the rest is kept and sent', (t) => {
  const dir = tempDir(t);
  const first = new SampleBuffer(dir);
  for (let seq = 1; seq <= 10; seq++) first.append(sample(seq), T0);
  first.close();
  const file = path.join(dir, readdirSync(dir).find((n) => n.endsWith('.seg'))!);
  const lines = readFileSync(file, 'utf8').split('\n');
  // Line of seq 4 garbled, seq 7 with bytes of another file over it, and the file cut in the middle of seq 10.
  const at = (seq: number) => lines.findIndex((l) => l.startsWith(`${seq} `));
  lines[at(4)] = lines[at(4)]!.slice(0, 20);
  lines[at(7)] = '\u00ff\u00fe garbage that is not a line';
  const text = lines.join('\n');
  writeFileSync(file, text.slice(0, text.indexOf('10 ') + 12));
  const again = new SampleBuffer(dir);
  const seqs = again.unacked(0, 100).map((s) => s.seq);
  assert.deepEqual(seqs, [1, 2, 3, 5, 6, 8, 9], 'the readable samples, in order');
  assert.equal(again.dropped, 3, 'seqs 4, 7 and 10 counted as lost');
  for (const s of again.unacked(0, 100)) assert.doesNotThrow(() => JSON.parse(s.text));
  again.close();
});

test('garbage over a segment and another cut short: whole samples sent, the acked floor moves past the lost ones', (t) => {
  const dir = tempDir(t);
  const buffer = new SampleBuffer(dir);
  for (let seq = 1; seq <= 2500; seq++) buffer.append(sample(seq), T0);
  buffer.close();
  // Garbage over the middle of the first segment, and the second cut short in the middle of a line.
  const first = path.join(dir, '1.seg');
  const bytes = readFileSync(first);
  bytes.fill(0x7a, 1000, 1600);
  writeFileSync(first, bytes);
  const second = path.join(dir, '1001.seg');
  truncateSync(second, Math.floor(statSync(second).size / 2) + 7);
  const again = new SampleBuffer(dir);
  assert.ok(again.garbled >= 2, `damaged lines counted: ${again.garbled}`);
  const seqs = again.unacked(0, 10_000).map((s) => s.seq);
  assert.equal(new Set(seqs).size, seqs.length);
  assert.ok(seqs.includes(1) && seqs.includes(1001) && seqs.includes(2500), 'what is whole is still there');
  assert.equal(again.dropped, 2500 - seqs.length, 'what is lost is counted as dropped');
  assert.equal(again.unackedCount, seqs.length);
  for (const s of again.unacked(0, 10_000)) assert.equal((JSON.parse(s.text) as { seq: number }).seq, s.seq, 'only whole samples are sent');
  again.ack(seqs);
  again.append(sample(2501), T0);
  again.ack([2501]);
  assert.equal(again.unackedCount, 0);
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.endsWith('.seg')),
    ['2501.seg'],
    'the acked floor moves past what was lost',
  );
  again.close();
});

test('a full state directory: samples are held in memory (bounded), logged once, and written again once space is back', (t) => {
  const fs = mountTmpfs(t, '256k');
  const buffer = new SampleBuffer(path.join(fs.dir, 'state'));
  setLogLevel('info'); // another test in this process may have quieted the log
  const lines: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
  t.after(() => (process.stderr.write = original));
  buffer.append(sample(1), T0);
  fs.fill();
  for (let seq = 2; seq <= MEMORY_HOLD_SAMPLES + 100; seq++) buffer.append(sample(seq), T0 + seq * 10);
  buffer.persist();
  assert.equal(lines.filter((l) => /cannot write the buffer to disk/.test(l)).length, 1, 'logged once');
  // The segment's last page took a few more lines before writes failed; the rest is in memory.
  assert.ok(buffer.dropped > 0 && buffer.dropped <= 100, `past MEMORY_HOLD_SAMPLES the oldest held ones go, counted: ${buffer.dropped}`);
  assert.equal(buffer.unackedCount + buffer.dropped, MEMORY_HOLD_SAMPLES + 100, 'every sample kept or counted');
  const held = buffer.unacked(0, 100_000).map((s) => s.seq);
  assert.equal(held.at(-1), MEMORY_HOLD_SAMPLES + 100, 'the newest are kept');
  fs.free();
  const next = MEMORY_HOLD_SAMPLES + 101;
  buffer.append(sample(next), T0 + 10_000_000);
  assert.ok(lines.some((l) => /written to disk again/.test(l)));
  buffer.ack([...held, next]);
  assert.equal(buffer.unackedCount, 0);
  buffer.close();
});
