import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { CheckResult } from '../../src/checks/check';
import type { Check } from '../../src/checks/checks';
import { parseChecks, runCheck } from '../../src/checks/checks';
import { CheckRunner } from '../../src/checks/runner';
import type { Scheduled } from '../../src/checks/runner';
import { flush, ManualClock } from '../manual-clock';

interface Call {
  name: string;
  at: number;
  signal: AbortSignal;
  done: boolean;
  finish(up?: boolean): void;
}

/** A run function whose runs end when the test says so. */
function controlled(clock: ManualClock) {
  const calls: Call[] = [];
  const run = (check: Scheduled, signal: AbortSignal) =>
    new Promise<CheckResult>((resolve) => {
      const at = clock.now();
      const call: Call = {
        name: check.name,
        at,
        signal,
        done: false,
        finish: (up = true) => {
          call.done = true;
          resolve({ ts: at, up, latencyMs: up ? 1 : null });
        },
      };
      calls.push(call);
      signal.addEventListener('abort', () => resolve({ ts: at, up: false, latencyMs: null, error: 'stopped' }));
    });
  const running = () => calls.filter((c) => !c.done && !c.signal.aborted);
  return { calls, run, running };
}

const checks = (...spec: [string, number][]): Scheduled[] => spec.map(([name, seconds]) => ({ name, intervalMs: seconds * 1000 }));

test('each check runs at start, then on its own interval, and every result reaches the callback', async () => {
  const clock = new ManualClock();
  const start = clock.now();
  const { calls, run } = controlled(clock);
  const results: [string, CheckResult][] = [];
  const runner = new CheckRunner(checks(['a', 10], ['b', 30]), { clock, run, onResult: (c, r) => results.push([c.name, r]) });
  runner.start();
  const finishAll = async () => {
    for (const c of calls) c.finish();
    await flush();
  };
  await finishAll();
  for (let i = 0; i < 6; i++) {
    await clock.advance(10_000);
    await finishAll();
  }
  const at = (name: string) => calls.filter((c) => c.name === name).map((c) => (c.at - start) / 1000);
  assert.deepEqual(at('a'), [0, 10, 20, 30, 40, 50, 60]);
  assert.deepEqual(at('b'), [0, 30, 60]);
  assert.equal(results.length, 10);
  assert.deepEqual(results[0], ['a', { ts: start, up: true, latencyMs: 1 }]);
  await runner.stop();
});

test('a run that outlasts its interval is never doubled: the turns that find it going are skipped', async () => {
  const clock = new ManualClock();
  const { calls, run } = controlled(clock);
  const runner = new CheckRunner(checks(['slow', 10]), { clock, run, onResult: () => {} });
  runner.start();
  await clock.advance(35_000);
  assert.equal(calls.length, 1, 'turns at 10, 20 and 30 s found the first run going');
  assert.equal(runner.active, 1);
  calls[0]!.finish();
  await flush();
  assert.equal(runner.active, 0);
  await clock.advance(5_000);
  assert.equal(calls.length, 2, 'the next turn runs it again');
  await runner.stop();
});

test('no more runs at once than the concurrency; the others wait their turn in order', async () => {
  const clock = new ManualClock();
  const { calls, run, running } = controlled(clock);
  const names = Array.from({ length: 5 }, (_, i): [string, number] => [`c${i}`, 60]);
  const runner = new CheckRunner(checks(...names), { clock, run, onResult: () => {}, concurrency: 2 });
  runner.start();
  await flush();
  assert.deepEqual(
    calls.map((c) => c.name),
    ['c0', 'c1'],
  );
  calls[1]!.finish();
  await flush();
  assert.deepEqual(
    calls.map((c) => c.name),
    ['c0', 'c1', 'c2'],
  );
  assert.equal(running().length, 2);
  await clock.advance(60_000);
  // c0 and c2 are still running; c3 and c4 are waiting, so their turns at 60 s are skipped, c1's is queued.
  for (const c of [...calls]) c.finish();
  await flush();
  for (const c of [...calls]) c.finish();
  await flush();
  assert.deepEqual(
    calls.map((c) => c.name),
    ['c0', 'c1', 'c2', 'c3', 'c4', 'c1'],
  );
  await runner.stop();
});

test('stop aborts the runs in progress, reports nothing more and leaves no timer', async () => {
  const clock = new ManualClock();
  const { calls, run } = controlled(clock);
  const results: string[] = [];
  const runner = new CheckRunner(checks(['a', 10], ['b', 10]), { clock, run, onResult: (c) => results.push(c.name) });
  runner.start();
  await flush();
  await runner.stop();
  assert.ok(calls.every((c) => c.signal.aborted));
  assert.deepEqual(results, []);
  assert.equal(clock.timers, 0);
  await clock.advance(60_000);
  assert.equal(calls.length, 2);
});

test('a run that throws is reported down and the check keeps its schedule', async () => {
  const clock = new ManualClock();
  const results: CheckResult[] = [];
  const run = (): Promise<CheckResult> => {
    throw new Error('boom');
  };
  const runner = new CheckRunner(checks(['a', 10]), { clock, run, onResult: (_c, r) => results.push(r) });
  runner.start();
  await flush();
  await clock.advance(10_000);
  assert.deepEqual(results, [
    { ts: clock.now() - 10_000, up: false, latencyMs: null, error: 'the check failed: boom' },
    { ts: clock.now(), up: false, latencyMs: null, error: 'the check failed: boom' },
  ]);
  await runner.stop();
});

test('with runCheck it runs parsed checks against real sockets', async (t) => {
  const open = net.createServer((s) => s.end());
  await new Promise<void>((resolve) => open.listen(0, '127.0.0.1', resolve));
  t.after(() => open.close());
  const parsed = parseChecks([{ name: 'open', type: 'tcp', host: `127.0.0.1:${(open.address() as AddressInfo).port}`, interval: '10s' }]);
  const clock = new ManualClock();
  let resolveFirst!: (r: [Check, CheckResult]) => void;
  const first = new Promise<[Check, CheckResult]>((resolve) => (resolveFirst = resolve));
  const runner = new CheckRunner(parsed, { clock, run: runCheck, onResult: (c, r) => resolveFirst([c, r]) });
  runner.start();
  const [check, result] = await first;
  assert.equal(check.name, 'open');
  assert.equal(result.up, true);
  assert.equal(result.ts, clock.now(), 'stamped by the injected clock');
  await runner.stop();
});
