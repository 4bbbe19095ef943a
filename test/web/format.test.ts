import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatAgo, formatBytes, formatDuration, formatPercent, formatRate, ratio } from '../../web/lib/format';

test('bytes in IEC units', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(1024), '1.00 KiB');
  assert.equal(formatBytes(1536 * 1024), '1.50 MiB');
  assert.equal(formatBytes(25276063744), '23.5 GiB');
  assert.equal(formatBytes(270553174016), '252 GiB');
  assert.equal(formatBytes(undefined), '–');
  assert.equal(formatRate(2048), '2.00 KiB/s');
});

test('percent, ratio, durations, ago', () => {
  assert.equal(formatPercent(6.55), '6.5%');
  assert.equal(formatPercent(42.4), '42%');
  assert.equal(ratio(1, 4), 25);
  assert.equal(ratio(1, 0), undefined);
  assert.equal(ratio(5, 4), 100);
  assert.equal(formatDuration(42), '42s');
  assert.equal(formatDuration(7 * 60 + 3), '7m 3s');
  assert.equal(formatDuration(5 * 3600 + 12 * 60), '5h 12m');
  assert.equal(formatDuration(3 * 86400 + 4 * 3600 + 5), '3d 4h');
  assert.equal(formatAgo(null, 0), 'never');
  assert.equal(formatAgo(1000, 3000), 'just now');
  assert.equal(formatAgo(0, 90_000), '1m 30s ago');
});
