/**
 * GET /api/nodes/:id/forecast and /api/forecasts on the real server: five days of a filling disk
 * written into its store give "/ full in ~N days" with a range; a node with too little history
 * gets no date and a reason; a hidden node is 404 to guests and answered for the admin.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ForecastAnswer, ForecastsSoon } from '../../../src/protocol/forecast';
import { addNode } from '../../../src/server/fleet/nodes';
import { openSqliteStore } from '../../../src/store/sqlite-store';
import { GiB, writeDiskHistory } from '../../forecast/history';
import { client, startTestServer } from '../test-server';

const DAY = 86_400_000;
const HOUR = 3_600_000;

test('forecasts over HTTP: dates from stored history, reasons, guests and hidden nodes', async (t) => {
  const now = Date.now();
  const until = now - (now % HOUR) - HOUR;
  const ids: Record<string, number> = {};
  const s = await startTestServer(t, { ackIntervalMs: 0 }, (config) => {
    config.nodes = {
      secret: { hidden: true, trafficResetDay: 1, notes: null },
      filling: { hidden: false, trafficResetDay: 1, notes: { trafficLimitBytes: 1000 * GiB } },
    };
    // Written before the server starts, as if the agents had reported for days.
    const store = openSqliteStore(config.server.data);
    try {
      for (const name of ['filling', 'young', 'secret']) ids[name] = addNode(store, name, '', '', now - 6 * DAY).node.id;
      const extra = {
        memUsedBytes: 2 * GiB,
        memTotalBytes: 8 * GiB,
        swapUsedBytes: 0,
        swapTotalBytes: 0,
        netRxBytesPerSec: 1e5,
        netTxBytesPerSec: 1e5,
      };
      // 50 → 70 GiB of 100 in 5 days: 30 GiB left at 4 GiB a day, full in ~7.5 days.
      writeDiskHistory(store, ids.filling!, { until, days: 5, startBytes: 50 * GiB, perDayBytes: 4 * GiB, totalBytes: 100 * GiB, extra });
      writeDiskHistory(store, ids.young!, { until, days: 1, startBytes: 50 * GiB, perDayBytes: 4 * GiB, totalBytes: 100 * GiB, extra });
      writeDiskHistory(store, ids.secret!, { until, days: 5, startBytes: 50 * GiB, perDayBytes: 4 * GiB, totalBytes: 100 * GiB, extra });
    } finally {
      store.close();
    }
  });
  const get = async <T>(path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(s.base + path, { headers });
    return { status: res.status, body: (await res.json()) as T };
  };

  const filling = await get<ForecastAnswer>(`/api/nodes/${ids.filling}/forecast`);
  assert.equal(filling.status, 200);
  const root = filling.body.items.find((i) => i.metric === 'disk' && i.mount === '/')!;
  assert.ok(root, 'a forecast for the filesystem at /');
  assert.equal(root.capacityBytes, 100 * GiB);
  assert.ok(root.fullAt !== null, `a date for /: ${root.reason}`);
  const days = (root.fullAt - now) / DAY;
  assert.ok(days > 6 && days < 9.5, `/ full in ~7.5 days, got ${days.toFixed(1)}`);
  assert.ok(root.low! <= root.fullAt && root.fullAt <= root.high!, 'the range holds the date');
  const memory = filling.body.items.find((i) => i.metric === 'memory')!;
  assert.equal(memory.fullAt, null, 'flat memory: no date');
  assert.match(memory.reason!, /not growing|needs|noise/);
  assert.equal(
    filling.body.items.some((i) => i.metric === 'swap'),
    false,
    'no swap, no swap forecast',
  );
  const traffic = filling.body.items.find((i) => i.metric === 'traffic')!;
  assert.equal(traffic.capacityBytes, 1000 * GiB, 'the traffic quota from nodes.<name>.trafficLimit');

  const young = await get<ForecastAnswer>(`/api/nodes/${ids.young}/forecast`);
  const youngRoot = young.body.items.find((i) => i.mount === '/')!;
  assert.equal(youngRoot.fullAt, null);
  assert.match(youngRoot.reason!, /^needs 3 days of data, has 2\d h/);
  assert.equal(
    young.body.items.some((i) => i.metric === 'traffic'),
    false,
    'no quota, no traffic forecast',
  );

  const soon = await get<ForecastsSoon>('/api/forecasts');
  assert.deepEqual(Object.keys(soon.body.soon), [String(ids.filling)], 'only the node filling within 30 days, never the hidden one');
  assert.equal(soon.body.soon[ids.filling!]!.mount, '/');

  assert.equal((await get(`/api/nodes/${ids.secret}/forecast`)).status, 404, 'a hidden node has no public forecast');
  assert.equal((await get('/api/nodes/999/forecast')).status, 404);
  const admin = client(s);
  await admin.signIn();
  const hidden = await get<ForecastAnswer>(`/api/nodes/${ids.secret}/forecast`, { Cookie: admin.cookieHeader() });
  assert.equal(hidden.status, 200, 'the admin sees the hidden node');
  assert.ok(hidden.body.items.find((i) => i.mount === '/')!.fullAt !== null);
  const adminSoon = await get<ForecastsSoon>('/api/forecasts', { Cookie: admin.cookieHeader() });
  assert.deepEqual(Object.keys(adminSoon.body.soon).sort(), [String(ids.filling), String(ids.secret)].sort());
  // A forecast rule checked as typed in the admin previews the nodes it would fire for now.
  const preview = async (within: string) =>
    (await admin.call('POST', '/api/admin/rules/validate', { name: 'disk-soon', kind: 'forecast', metric: 'disk', within })).body as {
      ok: boolean;
      wouldFire: string[];
    };
  assert.deepEqual(await preview('14d'), { ok: true, wouldFire: ['filling', 'secret'] }, 'both fill within 14 days');
  assert.deepEqual((await preview('2d')).wouldFire, [], 'neither within 2 days');
});
