/**
 * One complete list of error codes: every PROBE_ERR_* the source uses is in protocol/errors.ts,
 * every listed code is used, and docs/operations.md's table holds exactly the list.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ERROR_CODES } from '../../src/protocol/errors';

const root = path.join(import.meta.dirname, '..', '..');
const LIST = path.join('src', 'protocol', 'errors.ts');

function sources(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name))
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)));
}

test('every code the source uses is in the list, and every listed code is used', () => {
  const used = new Set<string>();
  for (const file of [...sources('src'), ...sources('web')]) {
    if (file === LIST) continue;
    for (const [code] of readFileSync(path.join(root, file), 'utf8').matchAll(/PROBE_ERR_[A-Z_]+/g)) used.add(code);
  }
  const listed = new Set<string>(ERROR_CODES);
  assert.deepEqual(
    [...used].filter((c) => !listed.has(c)),
    [],
    'used but not listed',
  );
  assert.deepEqual(
    [...listed].filter((c) => !used.has(c)),
    [],
    'listed but never used',
  );
  assert.equal(listed.size, ERROR_CODES.length, 'no code twice');
});

test('docs/operations.md has a row for each code, and no other', () => {
  const doc = readFileSync(path.join(root, 'docs', 'operations.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| `(PROBE_ERR_[A-Z_]+)` \|/gm)].map((m) => m[1]);
  assert.deepEqual(rows, [...ERROR_CODES]);
});
