/**
 * @module CheckService on a ManualClock and the memory store: results stored in the check's series,
 * the latest shown, uptime over 24 h / 7 d / 30 d and per day, history, hidden checks and restarts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CheckResult } from '../../../src/checks/check';
import type { Check } from '../../../src/checks/checks';
import { parseChecks } from '../../../src/checks/checks';
import { UPTIME_DAYS } from '../../../src/protocol/checks';
import { CheckService } from '../../../src/server/checks/checks-service';
import { createMemoryStore } from '../../../src/store/memory-store';
import type { Store } from '../../../src/store/store';
import { DEFAULT_RETENTION } from '../../../src/store/tiers';
import { flush, ManualClock } from '../../manual-clock';

const DAY = 86_400_000;
const CHECKS = parseChecks([
  { name: 'web', type: 'https', url: 'https://example.com/', interval: '60s', group: 'Sites' },
  { name: 'db', type: 'tcp', host: '10.0.0.2:5432', interval: '60s', hidden: true },
]);

/** A service whose runs answer what `answers` says for the check at the time. */
function service(store: Store, clock: ManualClock, answers: (check: Check, now: number) => Omit<CheckResult, 'ts'>, seen: string[] = []) {
  return new CheckService({
    checks: CHECKS,
    store,
    clock,
    write: (sample, committed) => (store.writeSamples([sample]), committed()),
    run: async (check) => ({ ts: clock.now(), ...answers(check, clock.now()) }),
    onResult: (check, _record, result) => seen.push(`${check.name}:${result.up}`),
  });
}

test('results are stored per check; uptime over 24 h, 7 d, 30 d and per day; the latest survives a restart', async (t) => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const store = createMemoryStore();
  const start = clock.now();
  // web is down during its first two hours, then up; db is always up.
  const answers = (check: Check, now: number) =>
    check.name === 'web' && now < start + 2 * 3_600_000
      ? { up: false, latencyMs: null, error: 'connection refused' }
      : {
          up: true,
          latencyMs: 12.5,
          ...(check.type === 'https' && { cert: { expiresAt: now + 5 * DAY, issuer: 'CN=test', verified: false } }),
        };
  const seen: string[] = [];
  const checks = service(store, clock, answers, seen);
  checks.start();
  t.after(() => checks.stop());
  await flush();
  assert.deepEqual(seen, ['web:false', 'db:true'], 'each check runs at start');
  for (let i = 0; i < 24 * 60 + 5; i++) await clock.advance(60_000);
  const now = clock.now();
  const [web, db] = checks.list('admin').checks;
  assert.equal(web!.up, true);
  assert.equal(web!.latencyMs, 12.5);
  assert.equal(web!.certExpiresAt, now + 5 * DAY);
  assert.equal(web!.group, 'Sites');
  assert.equal(web!.target, 'https://example.com/');
  // A day and 6 minutes of runs, the first 120 down: the last 24 h hold 1 440 of them, 115 down.
  assert.ok(Math.abs(web!.uptime['24h']! - (1 - 115 / 1440)) < 0.001, `24 h uptime ${web!.uptime['24h']}`);
  assert.equal(db!.uptime['24h'], 1);
  assert.equal(db!.uptime['30d'], 1);
  assert.equal(web!.daily.length, UPTIME_DAYS);
  assert.equal(web!.dailyFrom, Date.UTC(2026, 0, 2) - (UPTIME_DAYS - 1) * DAY);
  assert.deepEqual(web!.daily.slice(-3, -2), [null], 'no runs before the first day');
  assert.ok(web!.daily.at(-2)! < 0.95 && web!.daily.at(-2)! > 0.9, `the first day was partly down: ${web!.daily.at(-2)}`);
  assert.equal(web!.daily.at(-1), 1, 'today was up');
  assert.equal(store.samples(store.listChecks()[0]!.seriesId, start, start + 1).length, 1);

  const history = checks.history(web!.id, new URLSearchParams('range=24h'), 'guest', DEFAULT_RETENTION)!;
  const up = history.up as (number | null)[];
  assert.ok(up.includes(0) && up.includes(1) && Array.isArray(history.latency_ms) && Array.isArray(history.cert_days));
  assert.equal(
    checks.history(db!.id, new URLSearchParams('range=24h'), 'guest', DEFAULT_RETENTION),
    null,
    'a hidden check has no history for guests',
  );
  assert.equal(checks.history(999, new URLSearchParams('range=24h'), 'admin', DEFAULT_RETENTION), null);

  await checks.stop();
  const again = service(store, clock, answers);
  const restored = again.list('guest').checks[0]!;
  assert.deepEqual(
    [restored.id, restored.up, restored.latencyMs],
    [web!.id, true, 12.5],
    'a restart shows the stored latest result before the first run',
  );
  assert.ok(Math.abs(restored.certExpiresAt! - (now + 5 * DAY)) < 60_000);
});

test('guests see neither hidden checks nor targets and errors', async (t) => {
  const clock = new ManualClock();
  const store = createMemoryStore();
  const checks = service(store, clock, () => ({ up: false, latencyMs: null, error: 'connect ECONNREFUSED 10.0.0.2:5432' }));
  checks.start();
  t.after(() => checks.stop());
  await flush();
  const guest = checks.list('guest').checks;
  assert.deepEqual(
    guest.map((c) => c.name),
    ['web'],
  );
  assert.equal(guest[0]!.up, false);
  assert.deepEqual([guest[0]!.target, guest[0]!.error, guest[0]!.hidden], [undefined, undefined, undefined]);
  const admin = checks.list('admin').checks;
  assert.deepEqual(
    admin.map((c) => [c.name, c.hidden, c.error]),
    [
      ['web', false, 'connect ECONNREFUSED 10.0.0.2:5432'],
      ['db', true, 'connect ECONNREFUSED 10.0.0.2:5432'],
    ],
  );
  assert.equal(admin[1]!.target, '10.0.0.2:5432');
});
