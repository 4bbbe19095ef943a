/**
 * The admin's TOTP second factor over real HTTP: set up (secret and otpauth URI, confirmed with a
 * code), then sign-in needs a code (PROBE_ERR_SECOND_FACTOR without one), a recovery code works
 * once, removing it needs a code, and `probe admin set-password --reset-2fa` removes it from the
 * shell. The clock-driven cases are in totp.test.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import type { RecoveryCodesReply, SecondFactorReply, SecondFactorSetupReply } from '../../../src/protocol/admin';
import { base32Decode, totp } from '../../../src/server/admin/totp';
import { BINARY } from '../../helpers';
import { ADMIN_PASSWORD, client, startTestServer } from '../test-server';

test('TOTP for the admin: set up, sign in with a code or a recovery code (once), remove; --reset-2fa from the shell', async (t) => {
  const s = await startTestServer(t);
  const admin = client(s);
  await admin.signIn();
  assert.deepEqual((await admin.call('GET', '/api/admin/2fa')).body, { enabled: false, recoveryLeft: 0 });
  assert.equal((await admin.call('POST', '/api/admin/2fa/setup', {}, { 'X-CSRF-Token': 'nope' })).status, 403);
  const setup = (await admin.call('POST', '/api/admin/2fa/setup', {})).body as unknown as SecondFactorSetupReply;
  assert.match(setup.uri, /^otpauth:\/\/totp\/probe:admin\?secret=[A-Z2-7]{32}&/);
  const key = base32Decode(setup.secret);
  const wrong = await admin.call('POST', '/api/admin/2fa/confirm', { code: '12345' });
  assert.equal(wrong.status, 400);
  assert.match(String(wrong.body.message), /^"code"/);
  const confirmed = await admin.call('POST', '/api/admin/2fa/confirm', { code: totp(key, Date.now()) });
  assert.equal(confirmed.status, 200);
  const { recoveryCodes } = confirmed.body as unknown as RecoveryCodesReply;
  assert.equal(recoveryCodes.length, 10);

  const other = client(s);
  const noCode = await other.call('POST', '/api/admin/login', { password: ADMIN_PASSWORD });
  assert.deepEqual([noCode.status, noCode.body.code], [401, 'PROBE_ERR_SECOND_FACTOR']);
  assert.equal(
    (await other.call('POST', '/api/admin/login', { password: 'not the password', code: totp(key, Date.now() + 30_000) })).status,
    401,
  );
  assert.equal((await other.call('POST', '/api/admin/login', { password: ADMIN_PASSWORD, code: recoveryCodes[0] })).status, 200);
  assert.equal(
    (await client(s).call('POST', '/api/admin/login', { password: ADMIN_PASSWORD, code: recoveryCodes[0] })).status,
    401,
    'a recovery code works once',
  );
  const next = totp(key, Date.now() + 30_000);
  assert.equal((await client(s).call('POST', '/api/admin/login', { password: ADMIN_PASSWORD, code: next })).status, 200);
  assert.equal(
    (await client(s).call('POST', '/api/admin/login', { password: ADMIN_PASSWORD, code: next })).status,
    401,
    'a code works once',
  );
  assert.deepEqual((await admin.call('GET', '/api/admin/2fa')).body, { enabled: true, recoveryLeft: 9 });

  assert.equal((await admin.call('POST', '/api/admin/2fa/disable', { code: '000000' })).status, 400);
  assert.deepEqual((await admin.call('POST', '/api/admin/2fa/disable', { code: recoveryCodes[1] })).body, {
    enabled: false,
    recoveryLeft: 0,
  });
  assert.equal((await client(s).call('POST', '/api/admin/login', { password: ADMIN_PASSWORD })).status, 200, 'the password alone again');

  const again = (await admin.call('POST', '/api/admin/2fa/setup', {})).body as unknown as SecondFactorSetupReply;
  assert.equal((await admin.call('POST', '/api/admin/2fa/confirm', { code: totp(base32Decode(again.secret), Date.now()) })).status, 200);
  const reset = spawnSync(BINARY, ['admin', 'set-password', '--reset-2fa', '--data', s.dataDir], { encoding: 'utf8' });
  assert.equal(reset.status, 0, reset.stderr);
  assert.match(reset.stdout, /Second factor removed/);
  assert.equal((await client(s).call('POST', '/api/admin/login', { password: ADMIN_PASSWORD })).status, 200);
  assert.deepEqual(((await admin.call('GET', '/api/admin/2fa')).body as unknown as SecondFactorReply).enabled, false);
  const audit = (await admin.call('GET', '/api/admin/audit')).body as unknown as { action: string }[];
  assert.ok(audit.some((e) => e.action === 'second factor (TOTP) turned on'));
  assert.ok(audit.some((e) => e.action.includes('--reset-2fa')));
});
