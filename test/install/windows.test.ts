/**
 * Windows, the parts that need no Windows: where `probe install agent` puts things, the sc.exe
 * arguments, and the refusals. test/install/wine-service.test.ts runs the install itself.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { install } from '../../src/install/install';
import { serviceCommands, windowsLayout } from '../../src/install/windows';
import { ProbeError } from '../../src/util/errors';

test('Windows layout: executables in Program Files (the 64-bit one), the config, buffer and log in ProgramData', () => {
  const layout = windowsLayout({
    ProgramFiles: 'C:\\Program Files (x86)',
    ProgramW6432: 'C:\\Program Files',
    ProgramData: 'D:\\ProgramData',
  });
  assert.deepEqual(layout, {
    programDir: 'C:\\Program Files\\probe',
    exe: 'C:\\Program Files\\probe\\probe.exe',
    host: 'C:\\Program Files\\probe\\probe-service.exe',
    dataDir: 'D:\\ProgramData\\probe',
    config: 'D:\\ProgramData\\probe\\agent.json',
    stateDir: 'D:\\ProgramData\\probe\\state',
    log: 'D:\\ProgramData\\probe\\agent.log',
  });
  assert.equal(windowsLayout({}).exe, 'C:\\Program Files\\probe\\probe.exe');
});

test('sc.exe create: the host by its quoted path and nothing else, so the key is on no command line', () => {
  const [create, , failure] = serviceCommands(windowsLayout({}));
  assert.deepEqual(create, [
    'create',
    'probe-agent',
    'binPath=',
    '"C:\\Program Files\\probe\\probe-service.exe"',
    'start=',
    'auto',
    'DisplayName=',
    'probe agent',
  ]);
  assert.deepEqual(failure!.slice(0, 2), ['failure', 'probe-agent']);
});

test('probe install on Windows: no server role, no --root', () => {
  const base = {
    bin: '/usr/local/bin/probe',
    root: '/',
    start: false,
    uninstall: false,
    platform: 'win32' as const,
    env: { PROBE_SERVER: 'wss://x.example', PROBE_KEY: 'pk_x' },
  };
  const installError = (pattern: RegExp) => (err: unknown) =>
    err instanceof ProbeError && err.code === 'PROBE_ERR_INSTALL' && pattern.test(err.message);
  assert.throws(() => install({ ...base, role: 'server' }), installError(/on Windows and macOS probe installs the agent/));
  assert.throws(() => install({ ...base, role: 'agent', root: '/tmp/x' }), installError(/--root is not used on Windows/));
  assert.throws(() => install({ ...base, role: 'agent', env: { PROBE_SERVER: 'wss://x.example' } }), /PROBE_ERR_CONFIG|no key given/);
});
