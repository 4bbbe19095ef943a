/**
 * The gzip copies a server makes of executables: one unused for a week goes when a new one is
 * made (each version leaves ~36 MB in the temp dir); recent ones, the new one and other files stay.
 */
import assert from 'node:assert/strict';
import { readdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { STALE_COPY_MS, pruneCopies } from '../../../src/server/http/download-shelf';
import { tempDir } from '../../helpers';

test('copies unused for a week are removed, the one just made and recent ones stay', (t) => {
  const dir = tempDir(t, 'probe-copies-');
  const now = Date.now();
  const file = (name: string, ageMs: number) => {
    const at = path.join(dir, name);
    writeFileSync(at, 'x');
    utimesSync(at, (now - ageMs) / 1000, (now - ageMs) / 1000);
    return at;
  };
  const kept = file('aaaa.gz', STALE_COPY_MS + 60_000);
  file('bbbb.gz', STALE_COPY_MS + 60_000);
  file('cccc.gz', STALE_COPY_MS - 60_000);
  file('dddd.gz.1234.tmp', STALE_COPY_MS + 60_000);
  file('notes.txt', STALE_COPY_MS + 60_000);
  assert.equal(pruneCopies(dir, kept, now), 2);
  assert.deepEqual(readdirSync(dir).sort(), ['aaaa.gz', 'cccc.gz', 'notes.txt']);
});
