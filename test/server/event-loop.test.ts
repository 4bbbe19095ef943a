import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventLoopWatch, startEventLoopLog } from '../../src/server/event-loop';
import { setLogLevel } from '../../src/util/log';
import { ManualClock } from '../manual-clock';

/** Holds the event loop for `ms`, as a long task would. */
function hold(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

const turn = () => new Promise((r) => setTimeout(r, 20));

async function logged(fn: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => (lines.push(String(chunk).trimEnd()), true)) as typeof process.stderr.write;
  try {
    await fn();
  } finally {
    process.stderr.write = original;
  }
  return lines;
}

test('a task that holds the loop shows in the delay figures, and take() starts a new period', async () => {
  const watch = new EventLoopWatch();
  try {
    await turn();
    hold(150);
    await turn();
    const held = watch.take();
    // At least what the task held, less the monitor's 10 ms resolution; no upper bound (the machine may be busy).
    assert.ok(held.delayMaxMs >= 100, `max delay ${held.delayMaxMs} ms`);
    assert.ok(held.delayP99Ms <= held.delayMaxMs);
    assert.ok(held.gcMs >= 0 && held.gcCount >= held.majorGcCount);
    const next = watch.take();
    assert.ok(next.delayMaxMs < held.delayMaxMs || next.delayMaxMs === 0);
  } finally {
    watch.stop();
  }
});

test('PROBE_EVENT_LOOP_LOG: unset logs nothing, a duration logs a line per period, anything else is said once', async () => {
  setLogLevel('info');
  const clock = new ManualClock();
  assert.equal(startEventLoopLog({}, clock), null);
  const lines = await logged(async () => {
    assert.equal(startEventLoopLog({ PROBE_EVENT_LOOP_LOG: 'often' }, clock), null);
    const running = startEventLoopLog({ PROBE_EVENT_LOOP_LOG: '10s' }, clock);
    assert.ok(running);
    await clock.advance(9_999);
    await clock.advance(1);
    await clock.advance(10_000);
    running.stop();
    await clock.advance(10_000);
  });
  assert.equal(lines.filter((l) => l.includes('PROBE_EVENT_LOOP_LOG is not a duration')).length, 1);
  const periods = lines.filter((l) => / info +event loop /.test(l));
  assert.equal(periods.length, 2);
  assert.match(periods[0]!, /delayP99Ms=[\d.]+ .*gcMs=[\d.]+/);
});
