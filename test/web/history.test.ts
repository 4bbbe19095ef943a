import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HistoryAnswer } from '../../src/protocol/history';
import { alignColumns } from '../../web/state/history';

test('columns fetched after an answer that left them out are placed on its timestamps, even when the range moved on', () => {
  const ts = [0, 5000, 10_000];
  // The follow-up was answered a bucket later: its window starts and ends 5 s later.
  const later: HistoryAnswer = {
    from: 5000,
    to: 20_000,
    tier: 'raw',
    ts: [5000, 10_000, 15_000],
    stepMs: 5000,
    'custom.a': [1, 2, 3],
    'custom.b': [null, 7, null],
    omitted: 'custom.c',
  };
  assert.deepEqual(alignColumns(ts, later), { 'custom.a': [null, 1, 2], 'custom.b': [null, null, 7] });
});
