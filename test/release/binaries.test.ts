/**
 * The release files themselves: every target is there with its checksums, each Linux binary runs
 * (ARM under qemu) with the Node it should embed, needs no newer glibc than 2.28 (its SQLite addon
 * included), agent-only builds refuse the server, and the macOS files carry their blob.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir, waitFor } from '../helpers';
import { ALL, LINUX, RELEASE, execTarget, fileOf, release, requireRelease, startServer } from './release-env';

const NODE_OF: Record<string, string> = { 'linux-x64': 'v22.23.2', 'linux-arm64': 'v22.23.2', 'linux-armv7': 'v20.11.0' };
const SERVER: Record<string, boolean> = { 'linux-x64': true, 'linux-arm64': true, 'linux-armv7': false };

/** The newest GLIBC_x.y a file's dynamic symbols ask for. */
function glibcFloor(file: string): string {
  const versions = execFileSync('objdump', ['-T', file], { encoding: 'utf8', maxBuffer: 64 << 20 }).match(/GLIBC_[0-9.]+/g) ?? [];
  const numbers = versions.map((v) => v.slice('GLIBC_'.length).split('.').map(Number));
  numbers.sort((a, b) => a[0]! - b[0]! || (a[1] ?? 0) - (b[1] ?? 0) || (a[2] ?? 0) - (b[2] ?? 0));
  return numbers.at(-1)!.join('.');
}

const atMost228 = (v: string) => {
  const [major, minor] = v.split('.').map(Number);
  return major! < 2 || (major === 2 && minor! <= 28);
};

test('every target is released, with gzip copies, xz for Linux, and SHA256SUMS that match', () => {
  requireRelease();
  const files = readdirSync(RELEASE).sort();
  for (const target of ALL) {
    assert.ok(files.includes(`${fileOf(target)}.gz`), `${fileOf(target)}.gz`);
    // What the server sends to clients that accept gzip.
    assert.ok(statSync(release(`${fileOf(target)}.gz`)).size < 40e6, `${fileOf(target)}.gz is under 40 MB`);
    if (target.startsWith('linux-')) {
      assert.ok(files.includes(`${fileOf(target)}.xz`), `${fileOf(target)}.xz`);
      // What install.sh fetches where xz exists.
      assert.ok(statSync(release(`${fileOf(target)}.xz`)).size < 40e6, `${fileOf(target)}.xz is under 40 MB`);
    }
  }
  const sums = readFileSync(release('SHA256SUMS'), 'utf8').trim().split('\n');
  assert.deepEqual(
    sums.map((l) => l.split('  ')[1]).sort(),
    files.filter((f) => f !== 'SHA256SUMS'),
  );
  for (const line of sums) {
    const [sum, file] = line.split('  ');
    assert.equal(
      createHash('sha256')
        .update(readFileSync(release(file!)))
        .digest('hex'),
      sum,
      file,
    );
  }
});

for (const target of LINUX) {
  test(`${fileOf(target)}: runs with Node ${NODE_OF[target]}, needs at most GLIBC 2.28`, () => {
    requireRelease();
    const version = execTarget(target, ['version']);
    assert.equal(version.status, 0, version.stderr);
    assert.match(
      version.stdout,
      new RegExp(
        `^probe \\d+\\.\\d+\\.\\d+ \\(node ${NODE_OF[target]!.replace(/\./g, '\\.')}, ${target}, ${SERVER[target] ? 'server and agent' : 'agent only'}\\)`,
      ),
    );
    const floor = glibcFloor(release(fileOf(target)));
    assert.ok(atMost228(floor), `${fileOf(target)} needs GLIBC ${floor}`);
  });
}

for (const target of ['linux-x64', 'linux-arm64']) {
  test(`${fileOf(target)} serves: /healthz answers, and its SQLite addon needs at most GLIBC 2.28`, async (t) => {
    requireRelease();
    const dir = tempDir(t, 'probe-release-');
    // The executable writes its addon under the temp dir before loading it: there it can be read.
    const { proc, base } = await startServer(target, path.join(dir, 'data'), { TMPDIR: dir });
    t.after(() => proc.stop());
    const health = await waitFor('/healthz', async () => (await fetch(`${base}/healthz`)).json() as Promise<{ status: string }>, 30_000);
    assert.equal(health.status, 'ok');
    const nativeDir = readdirSync(dir).find((d) => d.startsWith('probe-native-'));
    assert.ok(nativeDir, 'the addon was written out');
    const addon = readdirSync(path.join(dir, nativeDir)).find((f) => f.endsWith('.node'))!;
    const floor = glibcFloor(path.join(dir, nativeDir, addon));
    assert.ok(atMost228(floor), `the ${target} addon needs GLIBC ${floor}`);
    assert.match(
      execFileSync('objdump', ['-T', path.join(dir, nativeDir, addon)], { encoding: 'utf8' }),
      /sqlite3_open_v2|napi|v8/,
      'it is the SQLite addon',
    );
  });
}

test('agent-only builds refuse the server with PROBE_ERR_UNSUPPORTED', (t) => {
  requireRelease();
  const dir = tempDir(t, 'probe-release-');
  const refused = execTarget('linux-armv7', ['server', '--listen', '127.0.0.1:0', '--data', path.join(dir, 'data')]);
  assert.equal(refused.status, 1, refused.stderr);
  assert.match(refused.stderr, /PROBE_ERR_UNSUPPORTED: this probe executable \(linux-armv7\) carries the agent only/);
  // Email is the server's (nodemailer is not in agent-only executables): `notify test` says so.
  const config = path.join(dir, 'probe.json');
  const mail = { type: 'email', host: '127.0.0.1', port: 9, requireTLS: false, from: 'probe@example.com', to: ['ops@example.com'] };
  writeFileSync(config, JSON.stringify({ notifications: { mail } }));
  const mailed = execTarget('linux-armv7', ['notify', 'test', 'mail', '--config', config]);
  assert.equal(mailed.status, 1, mailed.stderr);
  assert.match(mailed.stderr, /carries the agent only: email channels work from probe-linux-x64/);
});

for (const target of ['darwin-x64', 'darwin-arm64']) {
  test(`${fileOf(target)}: a Mach-O with the blob in its NODE_SEA segment and the fuse set (built here, not run here)`, () => {
    requireRelease();
    const bytes = readFileSync(release(fileOf(target)));
    const magic = bytes.readUInt32LE(0);
    assert.equal(magic, 0xfeedfacf, 'a 64-bit Mach-O');
    const cpu = bytes.readUInt32LE(4);
    assert.equal(cpu, target === 'darwin-arm64' ? 0x0100000c : 0x01000007, 'for the right CPU');
    assert.ok(bytes.includes(Buffer.from('NODE_SEA\0')), 'a NODE_SEA segment');
    assert.ok(bytes.includes(Buffer.from('NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1')), 'the fuse says a blob is there');
  });
}
