import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { monoMs } from '../../src/util/mono';

test('monoMs runs in milliseconds, as performance.now() does, and never goes back', () => {
  // Each reading between two of performance.now(): a preemption between them widens the bounds, never breaks them.
  const between = () => {
    const before = performance.now();
    const m = monoMs();
    return { before, m, after: performance.now() };
  };
  const a = between();
  const until = Date.now() + 50;
  let last = a.m;
  while (Date.now() < until) {
    const m = monoMs();
    assert.ok(m >= last);
    last = m;
  }
  const b = between();
  const elapsed = b.m - a.m;
  assert.ok(elapsed >= b.before - a.after - 0.01 && elapsed <= b.after - a.before + 0.01, `${elapsed} ms`);
});

test('the agent starts without loading perf_hooks (the performance global would load ten modules)', () => {
  const script = `
    require('tsx/cjs');
    const { platformCollectors, collectAll } = require('./src/agent/collectors/index.ts');
    const { systemClock } = require('./src/util/clock.ts');
    const { monoMs } = require('./src/util/mono.ts');
    systemClock.now();
    collectAll(platformCollectors(), monoMs(), new Set());
    console.log(process.moduleLoadList.filter((m) => /perf_hooks|internal\\/perf\\/performance$/.test(m)).join(','));
  `;
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), '');
});
