/**
 * @module `bench/forecast.ts --series FILE.csv --capacity C` as a person runs it (a real child
 * process), and the CSV parser's errors, each naming the line.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseSeriesCsv } from '../../src/forecast/csv';
import { ProbeError } from '../../src/util/errors';
import { ROOT, tempDir } from '../helpers';

const HOUR = 3_600_000;
const START = Date.UTC(2026, 0, 5);

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/forecast.ts', ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('a CSV series: one JSON line with the date and its range', (t) => {
  const file = path.join(tempDir(t), 'disk.csv');
  // A header, blank lines, spaces and tabs: 1 GB an hour from 100 GB, for 5 days.
  const lines = Array.from({ length: 5 * 24 }, (_, h) => `${START + h * HOUR} ,\t${(100 + h) * 1e9}  `);
  writeFileSync(file, `ts,used_bytes\n\n${lines.join('\n')}\n\n`);
  const r = run(['--series', file, '--capacity', String(1000e9)]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim()) as { fullAt: number; low: number; high: number };
  assert.deepEqual(Object.keys(out), ['fullAt', 'low', 'high']);
  assert.ok(Math.abs(out.fullAt - (START + 900 * HOUR)) <= HOUR, `fullAt ${new Date(out.fullAt).toISOString()}`);
  assert.ok(out.low <= out.fullAt && out.fullAt <= out.high);
});

test('a flat series: null and the reason', (t) => {
  const file = path.join(tempDir(t), 'flat.csv');
  writeFileSync(file, Array.from({ length: 5 * 24 }, (_, h) => `${START + h * HOUR},${500 + (h % 2)}`).join('\n'));
  const r = run(['--series', file, '--capacity', '1000']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim()) as { fullAt: null; reason: string };
  assert.equal(out.fullAt, null);
  assert.match(out.reason, /^not growing/);
});

test('a bad line: PROBE_ERR_CONFIG naming the file and the line, exit 2', (t) => {
  const file = path.join(tempDir(t), 'bad.csv');
  writeFileSync(file, `ts,value\n${START},1\n${START + HOUR},12abc\n`);
  const r = run(['--series', file, '--capacity', '100']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trim(), `PROBE_ERR_CONFIG: ${file} line 3: expected "unixMs,value", got "${START + HOUR},12abc"`);
});

test('no capacity: PROBE_ERR_CONFIG saying what to give', (t) => {
  const file = path.join(tempDir(t), 'ok.csv');
  writeFileSync(file, `${START},1\n`);
  const r = run(['--series', file]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^PROBE_ERR_CONFIG: "--capacity" must be a positive number/);
});

test('the parser: header and blank lines skipped, separators of any spacing', () => {
  const points = parseSeriesCsv(`\n  unixMs ; value\n${START};1\n\n${START + 1} 2\n ${START + 2}\t,\t3.5 \r\n`, 'x.csv');
  assert.deepEqual(points, [
    { ts: START, value: 1 },
    { ts: START + 1, value: 2 },
    { ts: START + 2, value: 3.5 },
  ]);
});

test('the parser: each bad input is an error naming its line', () => {
  const bad = (text: string, message: string) =>
    assert.throws(
      () => parseSeriesCsv(text, 'x.csv'),
      (err: unknown) => err instanceof ProbeError && err.code === 'PROBE_ERR_BAD_REQUEST' && err.message === message,
    );
  bad(`${START},1\nts,value\n`, 'x.csv line 2: expected "unixMs,value", got "ts,value"');
  bad(`${START},1,2\n`, `x.csv line 1: expected "unixMs,value", got "${START},1,2"`);
  bad('1767571200,5\n', 'x.csv line 1: 1767571200 looks like Unix seconds; give Unix milliseconds (1767571200000)');
  bad('ts,value\n\n', 'x.csv: no points (expected lines "unixMs,value")');
});
