/**
 * `probe install` with the real executable into a temp root (--no-start: systemctl is not ours to
 * drive here): the hardened unit passes `systemd-analyze verify`, the key sits in a 0600 file, the
 * installed agent started with that file reports to a server, and --uninstall takes it away. Then
 * the one-line install: /install.sh from the running server downloads the server's own executable.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { NodeView } from '../../src/protocol/messages';
import { MAX_DOWNLOADS } from '../../src/server/http/downloads';
import { BINARY, getJson, listeningUrl, run, tempDir, waitFor } from '../helpers';
import { startTestServer } from '../server/test-server';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
/** The executable's hash, taken once: it is 100 MB. */
let binaryHash = '';
const binarySha256 = () => (binaryHash ||= sha256(BINARY));

/** systemd-analyze verify with the unit under `root`; it exits 0 on warnings, so any output is a failure. */
function verifyUnit(root: string, unit: string): string {
  mkdirSync(path.join(root, 'usr/lib/systemd'), { recursive: true });
  cpSync('/usr/lib/systemd/system', path.join(root, 'usr/lib/systemd/system'), { recursive: true });
  const result = spawnSync('systemd-analyze', [`--root=${root}`, 'verify', unit], { encoding: 'utf8' });
  assert.equal(result.error, undefined, 'systemd-analyze runs (.ci/run installs systemd)');
  return `${result.status} ${result.stdout}${result.stderr}`.trim();
}

/** The KEY="value" lines of an EnvironmentFile. */
function readEnvFile(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z_]+)="(.*)"$/.exec(line);
    if (m) env[m[1]!] = m[2]!.replace(/\\(.)/g, '$1');
  }
  return env;
}

test('probe install agent: hardened unit, key in a 0600 file, the installed agent reports, --uninstall removes it', async (t) => {
  const root = tempDir(t, 'probe-root-');
  const s = await startTestServer(t);
  const key = s.addNode('installed-1');
  const args = ['install', 'agent', '--server', s.ws, '--key', key, '--interval', '1s', '--root', root, '--no-start'];
  const out = execFileSync(BINARY, args, { encoding: 'utf8' });
  assert.match(out, /Not started \(--no-start\)/);

  const unitPath = path.join(root, 'etc/systemd/system/probe-agent.service');
  const envPath = path.join(root, 'etc/probe/agent.env');
  const bin = path.join(root, 'usr/local/bin/probe');
  assert.equal(sha256(bin), binarySha256(), 'the executable was copied');
  assert.equal(statSync(bin).mode & 0o777, 0o755);
  assert.equal(statSync(envPath).mode & 0o777, 0o600, 'only root reads the key');
  const unit = readFileSync(unitPath, 'utf8');
  for (const line of [
    'ExecStart=/usr/local/bin/probe agent',
    'EnvironmentFile=/etc/probe/agent.env',
    'DynamicUser=yes',
    'StateDirectory=probe-agent',
    'ProtectSystem=strict',
    'NoNewPrivileges=yes',
    'Restart=on-failure',
    'CapabilityBoundingSet=',
    'WantedBy=multi-user.target',
  ]) {
    assert.ok(unit.split('\n').includes(line), `unit has ${line}`);
  }
  assert.ok(!unit.includes(key), 'the key is not in the unit');
  assert.equal(verifyUnit(root, '/etc/systemd/system/probe-agent.service'), '0', 'systemd-analyze verify is clean');

  const env = readEnvFile(envPath);
  assert.deepEqual(env, { PROBE_SERVER: s.ws, PROBE_KEY: key, PROBE_INTERVAL: '1s' });
  const agent = run(bin, ['agent'], { env: { ...process.env, ...env, PROBE_STATE_DIR: path.join(root, 'state') } });
  t.after(() => agent.stop());
  await waitFor(
    'the installed agent reports',
    async () => (await getJson<NodeView[]>(`${s.base}/api/nodes`)).find((n) => n.name === 'installed-1')?.online,
    15_000,
  );
  await agent.stop();

  const again = execFileSync(bin, args, { encoding: 'utf8' });
  assert.doesNotMatch(again, /Copied/, 'run from its installed place, it does not copy itself onto itself');
  assert.equal(sha256(bin), binarySha256());
  const removed = execFileSync(BINARY, ['install', 'agent', '--uninstall', '--root', root, '--no-start'], { encoding: 'utf8' });
  assert.match(removed, /Removed probe-agent\.service/);
  assert.ok(!existsSync(unitPath) && !existsSync(envPath));
  assert.ok(existsSync(bin), 'the executable stays');

  const missing = spawnSync(BINARY, ['install', 'agent', '--server', s.ws, '--root', root, '--no-start'], { encoding: 'utf8' });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /PROBE_ERR_CONFIG: no key given/);
  const bad = spawnSync(BINARY, ['install', 'agent', '--server', 'ftp://x', '--key', key, '--root', root, '--no-start'], {
    encoding: 'utf8',
  });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /must start with ws:\/\//);
  assert.ok(!existsSync(unitPath), 'nothing written on bad input');
});

test('probe install server: may bind low ports, data in its state directory, verified unit', (t) => {
  const root = tempDir(t, 'probe-root-');
  execFileSync(BINARY, [
    'install',
    'server',
    '--listen',
    '0.0.0.0:443',
    '--public-url',
    'https://status.example.com',
    '--root',
    root,
    '--no-start',
  ]);
  const unitPath = '/etc/systemd/system/probe.service';
  const unit = readFileSync(path.join(root, unitPath), 'utf8');
  for (const line of [
    'ExecStart=/usr/local/bin/probe server',
    'Environment=PROBE_DATA=/var/lib/probe',
    'StateDirectory=probe',
    'AmbientCapabilities=CAP_NET_BIND_SERVICE',
    'DynamicUser=yes',
    'ProtectSystem=strict',
  ]) {
    assert.ok(unit.split('\n').includes(line), `unit has ${line}`);
  }
  assert.deepEqual(readEnvFile(path.join(root, 'etc/probe/server.env')), {
    PROBE_LISTEN: '0.0.0.0:443',
    PROBE_PUBLIC_URL: 'https://status.example.com',
  });
  assert.equal(verifyUnit(root, unitPath), '0');
});

test('the one-line install: /install.sh fetches the server’s own executable, checks it, installs the agent', async (t) => {
  const dir = tempDir(t, 'probe-oneline-');
  const server = run(BINARY, ['server', '--listen', '127.0.0.1:0', '--data', path.join(dir, 'data')], { cwd: dir });
  t.after(() => server.stop());
  const base = (await listeningUrl(server, 'url')).replace('localhost', '127.0.0.1');

  const script = await (await fetch(`${base}/install.sh`)).text();
  assert.match(script, /^#!\/bin\/sh\n/);
  assert.ok(script.includes(`SHA256='${binarySha256()}'`), 'the script pins the executable’s hash');
  const identity = { 'Accept-Encoding': 'identity' };
  const download = await fetch(`${base}/download/probe`, { headers: identity });
  assert.equal(download.headers.get('content-length'), String(statSync(BINARY).size));
  assert.equal(download.headers.get('x-checksum-sha256'), binarySha256());
  await download.body?.cancel();
  // Clients that accept gzip get it once the server has made its copy (in the background); fetch decompresses.
  const gzip = { 'Accept-Encoding': 'gzip' };
  await waitFor(
    'a gzip copy',
    async () => (await fetch(`${base}/download/probe`, { method: 'HEAD', headers: gzip })).headers.get('content-encoding') === 'gzip',
    60_000,
    500,
  );
  const gzipped = await fetch(`${base}/download/probe`, { headers: gzip });
  assert.ok(Number(gzipped.headers.get('content-length')) < statSync(BINARY).size / 2, 'gzip at least halves it');
  assert.equal(
    createHash('sha256')
      .update(Buffer.from(await gzipped.arrayBuffer()))
      .digest('hex'),
    binarySha256(),
    'the same bytes after gunzip',
  );
  const missing = await fetch(`${base}/download/probe-linux-riscv64`);
  assert.equal(missing.status, 404);
  assert.match(await missing.text(), /this server has: probe/);

  // A fleet installing at once: past MAX_DOWNLOADS running downloads the server answers 503, and the script's curl retries.
  const running = await Promise.all(Array.from({ length: MAX_DOWNLOADS }, () => fetch(`${base}/download/probe`, { headers: identity })));
  assert.deepEqual(
    running.map((r) => r.status),
    running.map(() => 200),
  );
  const busy = await fetch(`${base}/download/probe`);
  assert.equal(busy.status, 503);
  assert.equal(busy.headers.get('retry-after'), '10');
  assert.equal(((await busy.json()) as { code: string }).code, 'PROBE_ERR_BUSY');
  assert.equal((await fetch(`${base}/download/probe`, { method: 'HEAD' })).status, 200, 'HEAD sends no executable and is not counted');
  await running[0]!.body?.cancel();
  await waitFor('a finished download frees its place', async () => {
    const next = await fetch(`${base}/download/probe`);
    await next.body?.cancel();
    return next.status === 200;
  });
  await Promise.all(running.slice(1).map((r) => r.body?.cancel()));
  assert.match(script, /curl -fsSL --retry \d+/);

  const root = path.join(dir, 'root');
  const installed = spawnSync('sh', ['-s', '--', '--key', 'pk_test_key_for_the_script', '--no-start'], {
    input: script,
    encoding: 'utf8',
    env: { ...process.env, PROBE_INSTALL_ROOT: root },
  });
  assert.equal(installed.status, 0, installed.stderr);
  assert.equal(sha256(path.join(root, 'usr/local/bin/probe')), binarySha256());
  assert.deepEqual(readEnvFile(path.join(root, 'etc/probe/agent.env')), {
    PROBE_SERVER: base.replace('http', 'ws'),
    PROBE_KEY: 'pk_test_key_for_the_script',
  });
  assert.ok(existsSync(path.join(root, 'etc/systemd/system/probe-agent.service')));

  const noKey = spawnSync('sh', ['-s', '--', '--no-start'], {
    input: script,
    encoding: 'utf8',
    env: { ...process.env, PROBE_INSTALL_ROOT: path.join(dir, 'root2') },
  });
  assert.equal(noKey.status, 1);
  assert.match(noKey.stderr, /pass the node's key/);
  const tampered = script.replace(/SHA256='[0-9a-f]+'/, `SHA256='${'0'.repeat(64)}'`);
  const damaged = spawnSync('sh', ['-s', '--', '--key', 'k', '--no-start'], {
    input: tampered,
    encoding: 'utf8',
    env: { ...process.env, PROBE_INSTALL_ROOT: path.join(dir, 'root3') },
  });
  assert.equal(damaged.status, 1);
  assert.match(damaged.stderr, /SHA-256 differs/);
  assert.ok(!existsSync(path.join(dir, 'root3/usr/local/bin/probe')), 'a damaged download is not installed');
});
