import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load';
import { tempDir } from '../helpers';

function load(t: Parameters<typeof tempDir>[0], history: unknown) {
  const file = path.join(tempDir(t), 'probe.json');
  writeFileSync(file, JSON.stringify({ history }));
  return loadConfig({ file });
}

test('history.remoteWrite: targets with headers, basic auth and names; the URL host and path name one by default', (t) => {
  const config = load(t, {
    remoteWrite: [
      { url: 'http://127.0.0.1:8428/api/v1/write' },
      { url: 'https://mimir.example.com/api/v1/push', name: 'mimir', headers: { 'X-Scope-OrgID': 'team-a' }, timeout: '10s' },
      { url: 'http://prom:9090/api/v1/write', basicAuth: { username: 'probe', password: 's3cret' } },
    ],
  });
  const [vm, mimir, prom] = config.history.remoteWrite;
  assert.equal(vm!.name, '127.0.0.1:8428/api/v1/write');
  assert.equal(vm!.timeoutMs, 30_000);
  assert.deepEqual(mimir, {
    name: 'mimir',
    url: 'https://mimir.example.com/api/v1/push',
    headers: { 'X-Scope-OrgID': 'team-a' },
    basicAuth: null,
    timeoutMs: 10_000,
  });
  assert.deepEqual(prom!.basicAuth, { username: 'probe', password: 's3cret' });
});

test('history.remoteWrite: mistakes are PROBE_ERR_CONFIG naming the key, and never quote a secret', (t) => {
  const refuses = (history: unknown, message: RegExp) =>
    assert.throws(
      () => load(t, history),
      (err: { code?: string; message: string }) =>
        err.code === 'PROBE_ERR_CONFIG' && message.test(err.message) && !/s3cret|hunter2/.test(err.message),
    );
  refuses({ remoteWrite: { url: 'http://x' } }, /"history\.remoteWrite" must be a list/);
  refuses({ remoteWrite: [{ url: 'ftp://x' }] }, /"history\.remoteWrite\[0\]\.url" must be an http/);
  refuses({ remoteWrite: [{ url: 'http://user:s3cret@x/api/v1/write' }] }, /must not hold credentials.*basicAuth/);
  refuses({ remoteWrite: [{ url: 'http://x', headers: { 'Content-Type': 'text/plain' } }] }, /is set by probe itself/);
  refuses(
    { remoteWrite: [{ url: 'http://x', headers: { 'X-Key': 'hunter2\nEvil: 1' } }] },
    /"history\.remoteWrite\[0\]\.headers\.X-Key" must be a string/,
  );
  refuses({ remoteWrite: [{ url: 'http://x', basicAuth: { username: 'u' } }] }, /basicAuth\.password/);
  refuses({ remoteWrite: [{ url: 'http://x', timeout: '1ms' }] }, /timeout" must be from 1s to 5m/);
  refuses({ remoteWrite: [{ url: 'http://x/a' }, { url: 'http://x/a' }] }, /same name as another target/);
  refuses({ remoteWrite: [{ url: 'http://x', token: 's3cret' }] }, /"history\.remoteWrite\[0\]\.token" is not a known setting/);
  refuses({ remote: [] }, /"history\.remote" is not a known setting/);
});
