import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { valuesRow } from '../../../src/protocol/row';
import { RemoteWrite } from '../../../src/server/remote/remote-write';
import { openSqliteStore } from '../../../src/store/sqlite-store';
import { systemClock } from '../../../src/util/clock';
import type { Clock } from '../../../src/util/clock';
import { tempDir, waitFor } from '../../helpers';
import { decodeWriteRequest, snappyDecompress } from './decode';

/** The system's clock with every wait cut to a few ms: backoff and linger pass at once. */
const hasty: Clock = { now: systemClock.now, after: (ms, fn) => systemClock.after(Math.min(ms, 5), fn), every: systemClock.every };

test('a 503 is retried, a 400 skips that request (counted) and the cursor goes on; headers as the protocol says', async (t) => {
  const answers = [503, 204, 400, 204, 204, 204];
  const received: { headers: Record<string, string | string[] | undefined>; series: ReturnType<typeof decodeWriteRequest> }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = answers.shift() ?? 204;
      if (status === 204) received.push({ headers: req.headers, series: decodeWriteRequest(snappyDecompress(Buffer.concat(chunks))) });
      res.writeHead(status);
      // A long error body: only its start is read.
      res.end(status === 400 ? `out of bounds ${'x'.repeat(1 << 20)}` : status === 503 ? 'busy' : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`;

  const store = openSqliteStore(tempDir(t), { outbox: true });
  t.after(() => store.close());
  const node = store.addNode({ name: 'a', group: 'g', location: '', keyHash: 'h' }, Date.now());
  const target = { name: 'local', url, headers: { 'X-Token': 'hunter2' }, basicAuth: { username: 'u', password: 'p' }, timeoutMs: 5000 };
  const remote = new RemoteWrite([target], store.outbox, () => ({ name: 'a', group: 'g', location: '' }), hasty, {
    lingerMs: 0,
    windowSamples: 1,
    windowRows: 1,
    requestBytes: 1 << 20,
  });
  const ts0 = Date.now() - 60_000;
  for (let i = 0; i < 4; i++)
    store.writeSamples([{ nodeId: node.id, seq: i, ts: ts0 + i * 1000, row: valuesRow({ cpu: i, 'latency.cf': 20, nope: 1 }) }]);
  remote.start();
  t.after(() => remote.stop());
  await waitFor('every window through', () => remote.status()[0]!.pendingSamples === 0 && received.length === 3, 10_000, 20);
  const status = remote.status()[0]!;
  assert.equal(status.failures, 2);
  assert.equal(status.skippedValues, 2, 'the refused request held cpu and latency of one sample');
  assert.equal(status.sentValues, 6);
  assert.ok(status.lastError === null);
  const cpu = received.flatMap((r) => r.series.filter((s) => s.labels.__name__ === 'probe_cpu_usage_percent').flatMap((s) => s.samples));
  assert.deepEqual(
    cpu.map((s) => s.value),
    [0, 2, 3],
    'sample 1 was in the refused request',
  );
  const latency = received[0]!.series.find((s) => s.labels.__name__ === 'probe_latency_seconds')!;
  assert.deepEqual(latency.labels, { __name__: 'probe_latency_seconds', node: 'a', group: 'g', target: 'cf' });
  assert.equal(latency.samples[0]!.value, 0.02);
  const h = received[0]!.headers;
  assert.equal(h['content-encoding'], 'snappy');
  assert.equal(h['content-type'], 'application/x-protobuf');
  assert.equal(h['x-prometheus-remote-write-version'], '0.1.0');
  assert.equal(h['x-token'], 'hunter2');
  assert.equal(h.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
  assert.deepEqual(remote.health(), { remoteWritePendingSamples: 0, remoteWriteLagSeconds: 0, remoteWriteFailures: 2 });
});
