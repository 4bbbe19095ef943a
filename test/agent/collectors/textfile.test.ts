import assert from 'node:assert/strict';
import { writeFileSync, rmSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { MAX_CUSTOM_METRICS, customName, parseTextfile, textfileCollector } from '../../../src/agent/collectors/textfile';
import type { MetricValues } from '../../../src/protocol/metrics';
import { encodeSample } from '../../../src/protocol/encode';
import { parseAgentMessage } from '../../../src/protocol/parse';
import { tempDir } from '../../helpers';
import { rowValues } from '../../../src/protocol/row';

test('Prometheus text lines become custom metrics; labels become name parts', () => {
  const out: MetricValues = {};
  const problems = parseTextfile(
    [
      '# HELP backup_age_seconds Age of the last backup',
      '# TYPE backup_age_seconds gauge',
      'backup_age_seconds 3600',
      'jobs{queue="mail",state="wait ing"} 3 1700000000000',
      'ratio 0.25',
      'broken line',
      'nan_value NaN',
      '',
    ].join('\n'),
    out,
  );
  assert.deepEqual(out, { 'custom.backup_age_seconds': 3600, 'custom.jobs.mail.wait_ing': 3, 'custom.ratio': 0.25 });
  assert.deepEqual(problems, ['broken line', 'nan_value NaN']);
  assert.equal(customName('x'.repeat(80), undefined), null, 'too long for a metric name');
});

test('the collector reads *.prom files, follows changes and removals, and caps the count', (t) => {
  const dir = tempDir(t);
  const collector = textfileCollector(dir);
  const file = path.join(dir, 'app.prom');
  writeFileSync(file, 'queue_depth 5\n');
  writeFileSync(path.join(dir, 'ignored.txt'), 'other 1\n');
  const read = () => {
    const out: MetricValues = {};
    collector.collect(out, 0);
    return out;
  };
  assert.deepEqual(read(), { 'custom.queue_depth': 5 });
  writeFileSync(file, 'queue_depth 17\n');
  utimesSync(file, new Date(), new Date(Date.now() + 5000)); // a new mtime even on coarse clocks
  assert.deepEqual(read(), { 'custom.queue_depth': 17 });
  rmSync(file);
  assert.deepEqual(read(), {});
  writeFileSync(path.join(dir, 'many.prom'), Array.from({ length: MAX_CUSTOM_METRICS + 20 }, (_, i) => `m${i} ${i}`).join('\n'));
  assert.equal(Object.keys(read()).length, MAX_CUSTOM_METRICS);
});

test('custom metrics outside hello’s schema travel in "extra" and reach the server', () => {
  const schema = ['cpu'];
  const text = encodeSample(1, 1000, { cpu: 3, 'custom.queue_depth': 5 }, schema);
  assert.deepEqual(JSON.parse(text), { type: 'sample', seq: 1, ts: 1000, values: [3], extra: { 'custom.queue_depth': 5 } });
  const parsed = parseAgentMessage(text, { schema, now: 1000 });
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value.type === 'sample' && rowValues(parsed.value.row), { cpu: 3, 'custom.queue_depth': 5 });
  const bad = parseAgentMessage(JSON.stringify({ type: 'sample', seq: 2, ts: 1000, values: [1], extra: { 'custom.x': 'high' } }), {
    schema,
    now: 1000,
  });
  assert.equal(bad.ok, false);
});
