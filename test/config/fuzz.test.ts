/**
 * Property-based fuzzing of the config loader: any file content and any environment give a
 * Config or a PROBE_ERR_CONFIG error, never another exception.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { loadConfig } from '../../src/config/load';
import { ENV_KEYS } from '../../src/config/settings';
import { ProbeError } from '../../src/util/errors';
import { tempDir } from '../helpers';

function loadsOrExplains(load: () => unknown): void {
  try {
    load();
  } catch (err) {
    assert.ok(err instanceof ProbeError, `not a ProbeError: ${(err as Error).stack}`);
    assert.equal(err.code, 'PROBE_ERR_CONFIG');
    assert.ok(err.message.length > 10);
  }
}

test('any config file: a Config or PROBE_ERR_CONFIG', (t) => {
  const file = path.join(tempDir(t), 'probe.json');
  const sections = ['server', 'agent', 'page', 'nodes', 'retention', 'log', 'notifications', 'alerts'];
  const value = fc.jsonValue({ maxDepth: 4 });
  const shaped = fc.dictionary(
    fc.constantFrom(...sections),
    fc.oneof(value, fc.dictionary(fc.string({ maxLength: 14 }), value, { maxKeys: 5 })),
    { maxKeys: 4 },
  );
  fc.assert(
    fc.property(fc.oneof(value, shaped, fc.string({ maxLength: 200 })), (content) => {
      writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
      loadsOrExplains(() => loadConfig({ file }));
    }),
    { numRuns: 1500 },
  );
});

test('any environment: a Config or PROBE_ERR_CONFIG', () => {
  const env = fc.dictionary(
    fc.constantFrom(...Object.keys(ENV_KEYS)),
    fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('0', '1', 'true', '1s', '24h', '127.0.0.1:0', 'ws://x', 'a=b:1')),
    { maxKeys: 6 },
  );
  fc.assert(
    fc.property(env, (e) => loadsOrExplains(() => loadConfig({ env: e }))),
    { numRuns: 1500 },
  );
});
