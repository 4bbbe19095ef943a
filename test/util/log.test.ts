import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BurstLog, log, setLogLevel } from '../../src/util/log';

/** Lines written to stderr while `fn` runs. */
function captured(fn: () => void): string[] {
  const lines: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => (lines.push(String(chunk).trimEnd()), true)) as typeof process.stderr.write;
  try {
    fn();
  } finally {
    process.stderr.write = original;
  }
  return lines;
}

test('a burst of events is logged one by one up to the limit, then counted in one line per message', () => {
  setLogLevel('info');
  let now = 1_000_000;
  const events = new BurstLog(3, () => now);
  const burst = captured(() => {
    for (let i = 0; i < 1000; i++) events.write('warn', 'agent silent', { node: `n${i}` });
    events.write('info', 'agent disconnected', { node: 'x' });
  });
  assert.equal(burst.length, 3, 'only the first 3 lines of the second');
  assert.match(burst[2]!, /warn +agent silent node=n2$/);
  now += 1000;
  const next = captured(() => events.write('info', 'agent connected', { node: 'y' }));
  assert.equal(next.length, 3, 'the counts held back, then the new event');
  assert.match(next[0]!, /warn +agent silent \(997 more like this in one second, not logged one by one\) count=997$/);
  assert.match(next[1]!, /info +agent disconnected \(1 more like this .*\) count=1$/);
  assert.match(next[2]!, /info +agent connected node=y$/);
  assert.deepEqual(
    captured(() => events.flush()),
    [],
    'nothing left to report',
  );
});

test('held-back counts are written when the second is over even if nothing else is logged', async () => {
  setLogLevel('info');
  const events = new BurstLog(1);
  const lines: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  // Only this test's lines: while it waits, what else runs in this process may log too.
  process.stderr.write = ((chunk: string) => (
    String(chunk).includes('agent refused: unknown key') && lines.push(String(chunk).trimEnd()), true
  )) as typeof process.stderr.write;
  try {
    events.write('warn', 'agent refused: unknown key');
    events.write('warn', 'agent refused: unknown key');
    events.write('warn', 'agent refused: unknown key');
    assert.equal(lines.length, 1);
    await new Promise((r) => setTimeout(r, 1100));
  } finally {
    process.stderr.write = original;
  }
  assert.equal(lines.length, 2);
  assert.match(lines[1]!, /agent refused: unknown key \(2 more like this/);
});

test('a log write that throws (ENOSPC) is counted, and the count is logged once writing works again', () => {
  setLogLevel('info');
  const lines: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  let full = true;
  process.stderr.write = ((chunk: string) => {
    if (full) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    lines.push(String(chunk).trimEnd());
    return true;
  }) as typeof process.stderr.write;
  try {
    log.warn('first');
    log.warn('second');
    assert.deepEqual(lines, []);
    full = false;
    log.info('back');
  } finally {
    process.stderr.write = original;
  }
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /warn +2 log lines were lost: the log could not be written \(full disk or closed pipe\) lost=2$/);
  assert.match(lines[1]!, /info +back$/);
});
