/**
 * Remote write through a TSDB outage of 30 minutes, on the injected clock (the end-to-end test
 * takes VictoriaMetrics down for 8 s of real time; this is the length in milliseconds):
 * retries back off and stay capped, ingest goes on into the outbox, and once the TSDB answers
 * again the backlog of 30 minutes goes out in bounded requests, every sample once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BACKOFF_CAP_MS } from '../../../src/agent/backoff';
import { valuesRow } from '../../../src/protocol/row';
import type { PostResult } from '../../../src/server/remote/post';
import { DEFAULT_LIMITS, RemoteWriter } from '../../../src/server/remote/remote-writer';
import { SeriesLabels } from '../../../src/server/remote/series-labels';
import { openSqliteStore } from '../../../src/store/sqlite-store';
import { tempDir } from '../../helpers';
import { ManualClock } from '../../manual-clock';
import { decodeWriteRequest, snappyDecompress } from './decode';

const NODES = 20;
const OUTAGE_MS = 30 * 60_000;
/** Samples are written this often, a node's one a second each time (as the ingest queue batches them). */
const STEP_MS = 10_000;

test('a TSDB outage of 30 minutes: retries back off under the cap, the backlog goes out in bounded requests, every sample once', async (t) => {
  const clock = new ManualClock();
  const store = openSqliteStore(tempDir(t), { outbox: true, now: () => clock.now() });
  t.after(() => store.close());
  const nodes = Array.from({ length: NODES }, (_, i) =>
    store.addNode({ name: `n${i}`, group: 'g', location: '', keyHash: `h${i}` }, clock.now()),
  );
  store.outbox.keepTargets(['vm']);
  const labels = new SeriesLabels(
    (id) => ({ name: `n${id}`, group: 'g', location: '' }),
    (id) => store.outbox.nameOf(id),
  );

  let down = false;
  const attemptsDown: number[] = [];
  const received = new Map<string, number>();
  let largestRequest = 0;
  const post = async (body: Buffer): Promise<PostResult> => {
    if (down) {
      attemptsDown.push(clock.now());
      return { ok: false, retry: true, status: 503, message: 'HTTP 503 Service Unavailable' };
    }
    const raw = snappyDecompress(body);
    largestRequest = Math.max(largestRequest, raw.length);
    for (const series of decodeWriteRequest(raw))
      if (series.labels.__name__ === 'probe_cpu_usage_percent')
        for (const s of series.samples) {
          const key = `${series.labels.node} ${s.ts}`;
          received.set(key, (received.get(key) ?? 0) + 1);
        }
    return { ok: true };
  };
  const target = { name: 'vm', url: 'http://127.0.0.1:9/api/v1/write', headers: {}, basicAuth: null, timeoutMs: 30_000 };
  const writer = new RemoteWriter(target, store.outbox, labels, clock, DEFAULT_LIMITS, post).start();
  t.after(() => writer.stop());

  let seq = 0;
  let written = 0;
  /** `ms` of ingest: every node's samples of each second, written every STEP_MS. */
  const ingest = async (ms: number) => {
    for (let end = clock.now() + ms; clock.now() < end; ) {
      const from = clock.now();
      await clock.advance(STEP_MS);
      const rows = [];
      for (let ts = from + 1000; ts <= clock.now(); ts += 1000)
        for (const node of nodes) rows.push({ nodeId: node.id, seq: seq++, ts, row: valuesRow({ cpu: (ts / 1000) % 100, load1: 1 }) });
      store.writeSamples(rows);
      written += rows.length;
    }
  };
  const pending = () => store.outbox.backlog(store.outbox.cursor('vm').afterId);

  await ingest(60_000);
  await clock.advance(DEFAULT_LIMITS.lingerMs + 2000);
  assert.equal(pending().samples, 0, 'the first minute is through before the outage');

  down = true;
  const outageFrom = clock.now();
  await ingest(OUTAGE_MS);
  const backlog = pending();
  assert.ok(backlog.samples >= (NODES * OUTAGE_MS) / 1000, `the outage's samples wait in the outbox (${backlog.samples})`);
  assert.ok(clock.now() - backlog.oldestAt! >= OUTAGE_MS - STEP_MS, 'the lag is the outage (its first samples were written a step in)');
  // Backoff from 1 s doubling to the cap, jittered between half of it and all of it.
  const gaps = attemptsDown.slice(1).map((at, i) => at - attemptsDown[i]!);
  assert.ok(Math.max(...gaps) <= BACKOFF_CAP_MS, `retries at most ${BACKOFF_CAP_MS} ms apart (${Math.max(...gaps)})`);
  assert.ok(
    gaps.slice(8).every((g) => g >= BACKOFF_CAP_MS / 2),
    'after a few doublings, retries come at least half the cap apart',
  );
  assert.ok(
    attemptsDown.length <= OUTAGE_MS / (BACKOFF_CAP_MS / 2) + 10,
    `${attemptsDown.length} attempts in 30 minutes: not a retry storm`,
  );
  assert.ok(attemptsDown[0]! - outageFrom <= STEP_MS + DEFAULT_LIMITS.lingerMs + 2000, 'the outage is met at once');

  down = false;
  const backFrom = clock.now();
  // Live samples go on while the backlog drains: the next retry comes within the cap, then window
  // after window without waiting, so the lag is back to the ordinary linger soon after.
  while (clock.now() - (pending().oldestAt ?? clock.now()) > 30_000) {
    assert.ok(clock.now() - backFrom < 10 * 60_000, 'the backlog drains');
    await ingest(STEP_MS);
  }
  const caughtUpIn = clock.now() - backFrom;
  assert.ok(caughtUpIn <= BACKOFF_CAP_MS + 30_000, `the lag under 30 s again ${caughtUpIn / 1000} s after the TSDB came back`);
  await ingest(60_000);
  await clock.advance(DEFAULT_LIMITS.lingerMs + 2000);
  assert.equal(pending().samples, 0, 'the backlog and the live samples are through');

  assert.equal(received.size, written, 'every stored sample arrived');
  const twice = [...received].filter(([, n]) => n > 1);
  assert.deepEqual(twice, [], 'none arrived twice');
  assert.ok(largestRequest <= DEFAULT_LIMITS.requestBytes, `requests stay under ${DEFAULT_LIMITS.requestBytes} bytes (${largestRequest})`);
});
