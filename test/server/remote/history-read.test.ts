/**
 * `history.read` against a local HTTP server playing a TSDB that misbehaves: an answer too large,
 * no answer in time, one cut off, not JSON, an HTTP error. Each is PROBE_ERR_HISTORY_READ from tsdbBuckets, and
 * the history source then answers from local storage and says so on /healthz. The PromQL and its
 * bucket alignment; the real engine: test/e2e/history-read.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { loadConfig } from '../../../src/config/load';
import type { HistoryReadTarget } from '../../../src/config/remote-write';
import { parseHistoryQuery } from '../../../src/server/http/history';
import { historyPromql, MAX_TSDB_ANSWER_BYTES, tsdbBuckets } from '../../../src/server/remote/history-read';
import { HistorySource } from '../../../src/server/remote/history-source';
import { valuesRow } from '../../../src/protocol/row';
import { createMemoryStore } from '../../../src/store/memory-store';
import { ProbeError } from '../../../src/util/errors';
import { setLogLevel } from '../../../src/util/log';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** A fake TSDB on loopback. Only the test of a TSDB that never answers needs a short timeout; the
 * others get a long one, so a loaded machine cannot turn their error into a timeout. */
async function fakeTsdb(t: TestContext, handler: Handler, timeoutMs = 10_000): Promise<HistoryReadTarget> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, headers: {}, basicAuth: null, timeoutMs, settleMs: 0 };
}

/** A fake TSDB answering every query with the matrix `result`; `form()` is the last query it got. */
async function matrixTsdb(t: TestContext, result: unknown[]): Promise<{ target: HistoryReadTarget; form: () => URLSearchParams }> {
  let form = new URLSearchParams();
  const target = await fakeTsdb(t, (req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      form = new URLSearchParams(body);
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } }));
    });
  });
  return { target, form: () => form };
}

const range = { start: 0, end: 10_000, stepMs: 5000 };
const refused = (err: unknown) => err instanceof ProbeError && err.code === 'PROBE_ERR_HISTORY_READ';

test('PromQL: the stat over each step, of the node series wanted, a bucket of [t − step, t)', () => {
  assert.equal(
    historyPromql('tokyo "1"', ['probe_cpu_usage_percent', 'probe_latency_seconds'], 'max', 5000),
    'max_over_time({__name__=~"probe_cpu_usage_percent|probe_latency_seconds",node="tokyo \\"1\\""}[5000ms] offset 1ms)',
  );
});

test('an answer of matrix series becomes buckets under the stored names and units', async (t) => {
  const { target, form } = await matrixTsdb(t, [
    { metric: { __name__: 'probe_latency_seconds', node: 'n1', target: 'lo' }, values: [[5, '0.0125']] },
    { metric: { __name__: 'probe_latency_seconds', node: 'n1', target: 'other' }, values: [[5, '9']] },
  ]);
  const buckets = await tsdbBuckets(target, 'n1', ['latency.lo'], 'avg', range);
  assert.deepEqual(buckets, [{ ts: 0, stats: { 'latency.lo': { avg: 12.5, min: 12.5, max: 12.5, n: 1 } } }]);
  assert.deepEqual([form().get('start'), form().get('end'), form().get('step')], ['5', '10', '5']);
});

test('too large, too slow, cut off, not JSON, an HTTP error: PROBE_ERR_HISTORY_READ', async (t) => {
  const chunk = Buffer.alloc(1024 * 1024, 32);
  const huge = await fakeTsdb(t, (_req, res) => {
    const more = (n: number) => (n > 0 && !res.destroyed ? res.write(chunk, () => more(n - 1)) : res.end());
    more(MAX_TSDB_ANSWER_BYTES / chunk.length + 4);
  });
  await assert.rejects(tsdbBuckets(huge, 'n1', ['cpu'], 'avg', range), (err) => refused(err) && /more than/.test((err as Error).message));
  const slow = await fakeTsdb(t, () => {}, 300);
  await assert.rejects(
    tsdbBuckets(slow, 'n1', ['cpu'], 'avg', range),
    (err) => refused(err) && /no answer within 300 ms/.test((err as Error).message),
  );
  const cut = await fakeTsdb(t, (_req, res) => {
    res.writeHead(200, { 'Content-Length': '1000' });
    res.write('{"status":"success"', () => res.destroy());
  });
  await assert.rejects(tsdbBuckets(cut, 'n1', ['cpu'], 'avg', range), (err) => refused(err) && /broke off/.test((err as Error).message));
  const text = await fakeTsdb(t, (_req, res) => res.end('<html>'));
  await assert.rejects(tsdbBuckets(text, 'n1', ['cpu'], 'avg', range), refused);
  const status = await fakeTsdb(t, (_req, res) => {
    res.statusCode = 503;
    res.end('overloaded');
  });
  await assert.rejects(
    tsdbBuckets(status, 'n1', ['cpu'], 'avg', range),
    (err) => refused(err) && /HTTP 503: overloaded/.test((err as Error).message),
  );
});

test('the TSDB failing: the answer comes from local storage, and /healthz says so', async (t) => {
  setLogLevel('error');
  const target = await fakeTsdb(t, (_req, res) => {
    res.statusCode = 500;
    res.end();
  });
  const store = createMemoryStore();
  const node = store.addNode({ name: 'n1', group: '', location: '', keyHash: 'h' }, 0);
  store.writeSamples([{ nodeId: node.id, seq: 1, ts: 60_000, row: valuesRow({ cpu: 42 }) }]);
  const source = new HistorySource(target, store);
  const query = parseHistoryQuery(new URLSearchParams({ from: '0', to: '120000', metrics: 'cpu' }), 120_000);
  const retention = loadConfig().retention;
  const answer = await source.read(node.id, 'n1', query, 120_000, retention, null);
  assert.equal((answer.cpu as (number | null)[]).filter((v) => v !== null)[0], 42);
  assert.deepEqual(source.health(), { historyRead: 'PROBE_ERR_HISTORY_READ', historyReadFailures: 1 });
});

test('config: history.read takes a URL, headers, basicAuth, a timeout and a settle time, and refuses credentials in the URL', (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'probe-history-read-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const load = (read: unknown) => {
    const file = path.join(dir, 'probe.json');
    writeFileSync(file, JSON.stringify({ history: { read } }));
    return loadConfig({ file }).history.read;
  };
  assert.deepEqual(load({ url: 'http://127.0.0.1:8428/', basicAuth: { username: 'u', password: 'p' } }), {
    url: 'http://127.0.0.1:8428',
    headers: {},
    basicAuth: { username: 'u', password: 'p' },
    timeoutMs: 10_000,
    settleMs: 30_000,
  });
  assert.equal(load({ url: 'http://vm:8428', settle: '2s' })?.settleMs, 2000);
  assert.throws(() => load({ url: 'http://vm:8428', settle: '2h' }), /settle/);
  assert.equal(load({ url: 'http://vm:8428', timeout: '3s' })?.timeoutMs, 3000);
  assert.throws(() => load({ url: 'http://u:p@vm:8428' }), /must not hold credentials/);
  assert.throws(() => load({ url: 'http://vm:8428', name: 'x' }), /name/);
  assert.equal(loadConfig().history.read, null);
});

test('whole buckets come from the TSDB; those from and to cut, from local storage', async (t) => {
  const { target, form } = await matrixTsdb(t, [{ metric: { __name__: 'probe_cpu_usage_percent', node: 'n1' }, values: [[10, '7']] }]);
  const store = createMemoryStore();
  const node = store.addNode({ name: 'n1', group: '', location: '', keyHash: 'h' }, 0);
  store.writeSamples([
    { nodeId: node.id, seq: 1, ts: 3000, row: valuesRow({ cpu: 1 }) },
    { nodeId: node.id, seq: 2, ts: 7000, row: valuesRow({ cpu: 99 }) },
    { nodeId: node.id, seq: 3, ts: 11_000, row: valuesRow({ cpu: 2 }) },
  ]);
  const source = new HistorySource(target, store);
  // from 2.5 s to 12.5 s in 1 s buckets: 3..12 whole (from the TSDB), 2 and 12 cut.
  const query = { ...parseHistoryQuery(new URLSearchParams({ from: '2500', to: '12500', metrics: 'cpu' }), 20_000), stepMs: 1000 };
  const answer = await source.read(node.id, 'n1', query, 20_000, loadConfig().retention, null);
  assert.deepEqual([form().get('start'), form().get('end')], ['4', '12'], 'points at the ends of the whole buckets 3..11');
  const cpu = answer.cpu as (number | null)[];
  assert.equal(answer.ts[cpu.indexOf(7)], 9000, 'the TSDB point at 10 s is the bucket from 9 s');
  assert.equal(cpu[answer.ts.indexOf(7000)], null, 'a whole bucket the TSDB has nothing in stays empty');
  assert.equal(cpu[answer.ts.indexOf(11_000)], 2, 'after the newest TSDB bucket: local');
  assert.deepEqual(source.health(), { historyRead: 'ok', historyReadFailures: 0 });
});

test('buckets ending within settle of now come from local storage: VictoriaMetrics repeats its last points', async (t) => {
  const { target, form } = await matrixTsdb(t, []);
  const store = createMemoryStore();
  const node = store.addNode({ name: 'n1', group: '', location: '', keyHash: 'h' }, 0);
  store.writeSamples([{ nodeId: node.id, seq: 1, ts: 10_500, row: valuesRow({ cpu: 5 }) }]);
  const source = new HistorySource({ ...target, settleMs: 5000 }, store);
  const query = { ...parseHistoryQuery(new URLSearchParams({ from: '2000', to: '13000', metrics: 'cpu' }), 14_000), stepMs: 1000 };
  const answer = await source.read(node.id, 'n1', query, 14_000, loadConfig().retention, null);
  assert.equal(form().get('end'), '9', 'the TSDB is asked up to the bucket that ended 5 s before now');
  assert.equal((answer.cpu as (number | null)[])[answer.ts.indexOf(10_000)], 5, 'the newer buckets: local');
});
