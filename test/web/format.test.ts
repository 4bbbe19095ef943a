import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  daysUntil,
  flagEmoji,
  formatBytes,
  formatCount,
  formatDuration,
  formatLoad,
  formatPercent,
  formatRate,
  ratio,
  secondsSince,
  shortOs,
} from '../../web/lib/format';
import { detectLang } from '../../web/lib/i18n';

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

test('percent, ratio, durations, seconds since', () => {
  assert.equal(formatPercent(6.55), '6.5%');
  assert.equal(formatPercent(42.4), '42%');
  assert.equal(ratio(1, 4), 25);
  assert.equal(ratio(1, 0), undefined);
  assert.equal(ratio(5, 4), 100);
  assert.equal(formatDuration(42), '42s');
  assert.equal(formatDuration(7 * 60 + 3), '7m 3s');
  assert.equal(formatDuration(5 * 3600 + 12 * 60), '5h 12m');
  assert.equal(formatDuration(3 * 86400 + 4 * 3600 + 5), '3d 4h');
  assert.equal(formatDuration(undefined), '–');
  assert.equal(formatDuration(-1), '–');
  assert.equal(secondsSince(0, 90_400), 90);
  assert.equal(secondsSince(5000, 1000), 0, 'a clock behind the server never shows negative ages');
  assert.equal(formatPercent(Number.NaN), '–');
  assert.equal(formatLoad(1.234), '1.23');
});

test('counts, days left, flags, OS names', () => {
  assert.equal(formatCount(42), '42');
  assert.equal(formatCount(42.44), '42.4');
  assert.equal(formatCount(0.5), '0.5');
  assert.equal(formatCount(12_345), '12.3k');
  assert.equal(formatCount(2_500_000), '2.5M');
  const noon = new Date(2026, 10, 25, 12).getTime();
  assert.equal(daysUntil('2026-11-25', noon), 0);
  assert.equal(daysUntil('2026-12-05', noon), 10);
  assert.equal(daysUntil('2026-11-20', noon), -5);
  assert.equal(daysUntil('2027-11-25', noon), 365);
  assert.equal(flagEmoji('jp'), '\u{1F1EF}\u{1F1F5}');
  assert.equal(flagEmoji(''), '');
  assert.equal(flagEmoji('x1'), '');
  assert.equal(shortOs('Debian GNU/Linux 12 (bookworm)'), 'Debian 12');
  assert.equal(shortOs('Ubuntu 24.04.1 LTS'), 'Ubuntu 24.04.1');
});

test('the language follows the browser: Chinese for any zh tag, else English', () => {
  assert.equal(detectLang(['zh-TW', 'en']), 'zh-CN');
  assert.equal(detectLang(['de-DE', 'en-US']), 'en');
  assert.equal(detectLang(['fr']), 'en');
});
