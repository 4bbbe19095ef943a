/**
 * A fleet of the release files: the linux-x64 server run from dist/release/ (as the README says)
 * hands out every file beside it; agents for arm64 and armv7 (qemu) and Windows (Wine) report to
 * it and show their arch; /install.sh picks the right file for each `uname` and says when there
 * is none.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { NodeView } from '../../src/protocol/messages';
import { getJson, listeningUrl, run, tempDir, waitFor } from '../helpers';
import { fileOf, nodeAdd, release, requireRelease, runTarget, winePrefix, wineRun } from './release-env';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A server run from a copy of the release folder, so its neighbours are the release files. */
async function releaseServer(t: Parameters<typeof tempDir>[0]) {
  requireRelease();
  const dir = tempDir(t, 'probe-fleet-');
  const shelf = path.join(dir, 'release');
  cpSync(path.dirname(release('SHA256SUMS')), shelf, { recursive: true });
  const data = path.join(dir, 'data');
  const proc = run(path.join(shelf, 'probe-linux-x64'), ['server', '--listen', '127.0.0.1:0', '--data', data]);
  t.after(() => proc.stop());
  const base = (await listeningUrl(proc, 'server URL')).replace('localhost', '127.0.0.1');
  return { dir, shelf, data, base, ws: base.replace('http', 'ws') };
}

async function online(base: string, name: string): Promise<NodeView> {
  return waitFor(
    `${name} online`,
    async () => (await getJson<NodeView[]>(`${base}/api/nodes`)).find((n) => n.name === name && n.online && n.values.cpu !== undefined),
    90_000,
    500,
  );
}

test('arm64, armv7 and Windows agents report to the x64 release server, which shows their arch', async (t) => {
  const s = await releaseServer(t);
  for (const [target, name] of [
    ['linux-arm64', 'pi-64'],
    ['linux-armv7', 'pi-32'],
  ] as const) {
    const key = nodeAdd(s.data, name);
    const agent = runTarget(target, ['agent', '--server', s.ws, '--interval', '1s', '--state-dir', path.join(s.dir, name)], {
      PROBE_KEY: key,
    });
    t.after(() => agent.stop());
  }
  const arm64 = await online(s.base, 'pi-64');
  assert.equal(arm64.arch, 'arm64');
  const armv7 = await online(s.base, 'pi-32');
  assert.equal(armv7.arch, 'arm');

  const env = winePrefix(s.dir);
  const key = nodeAdd(s.data, 'win-1');
  const version = wineRun(env, s.dir, [path.join(s.shelf, 'probe-windows-x64.exe'), 'version']);
  assert.equal(await version.wait(), 0, version.stderr());
  assert.match(version.stdout(), /^probe \d+\.\d+\.\d+ \(node v22\.23\.2, windows-x64, agent only\)/);
  const agent = wineRun({ ...env, PROBE_KEY: key }, s.dir, [
    path.join(s.shelf, 'probe-windows-x64.exe'),
    'agent',
    '--server',
    s.ws,
    '--interval',
    '1s',
    '--state-dir',
    'C:\\probe-state',
  ]);
  t.after(() => agent.stop());
  const win = await online(s.base, 'win-1').catch((err: Error) => {
    throw new Error(`${err.message}\n${agent.stderr().slice(-2000)}`);
  });
  assert.equal(win.arch, 'x64');
  assert.match(win.os, /windows/i);
  assert.ok(win.values.memTotalBytes! > 0, 'memory from the portable collectors');
});

/** A PATH of the tools install.sh uses, with a `uname` that says what the test wants. */
function fakeMachine(dir: string, system: string, machine: string, withXz: boolean): string {
  const bin = path.join(dir, `bin-${system}-${machine}-${withXz ? 'xz' : 'noxz'}`);
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    path.join(bin, 'uname'),
    `#!/bin/sh\ncase "$1" in -s) echo ${system} ;; -m) echo ${machine} ;; *) echo ${system} ;; esac\n`,
    { mode: 0o755 },
  );
  for (const tool of ['sh', 'curl', 'sha256sum', 'mkdir', 'chmod', 'mv', 'rm', 'cat', ...(withXz ? ['xz'] : [])]) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    assert.ok(found, `${tool} is on this machine`);
    symlinkSync(found, path.join(bin, tool));
  }
  return bin;
}

test('/install.sh picks the release file for each uname, checks it, and says when there is none', async (t) => {
  const s = await releaseServer(t);
  const script = await (await fetch(`${s.base}/install.sh`)).text();
  const cases = [
    { system: 'Linux', machine: 'x86_64', file: 'probe-linux-x64', runs: true },
    { system: 'Linux', machine: 'aarch64', file: 'probe-linux-arm64' },
    { system: 'Linux', machine: 'armv7l', file: 'probe-linux-armv7' },
    { system: 'Darwin', machine: 'arm64', file: 'probe-darwin-arm64' },
    { system: 'Darwin', machine: 'x86_64', file: 'probe-darwin-x64' },
  ];
  for (const [i, c] of cases.entries()) {
    for (const withXz of c.system === 'Linux' ? [true, false] : [false]) {
      const root = path.join(s.dir, `root-${i}-${withXz}`);
      const bin = fakeMachine(s.dir, c.system, c.machine, withXz);
      const result = spawnSync(path.join(bin, 'sh'), ['-s', '--', '--key', 'pk_for_the_script', '--no-start'], {
        input: script,
        encoding: 'utf8',
        env: { PATH: bin, PROBE_INSTALL_ROOT: root },
      });
      const installed = path.join(root, 'usr/local/bin/probe');
      assert.ok(existsSync(installed), `${c.system} ${c.machine}: installed (${result.stderr})`);
      assert.equal(sha256(installed), sha256(release(c.file)), `${c.system} ${c.machine} gets ${c.file}`);
      assert.equal(statSync(installed).mode & 0o777, 0o755);
      if (c.runs) {
        assert.equal(result.status, 0, result.stderr);
        assert.ok(existsSync(path.join(root, 'etc/probe/agent.env')), 'and installs the agent');
      } else {
        // A foreign binary cannot start here (no binfmt): the script got as far as running it.
        assert.notEqual(result.status, 0);
      }
    }
  }
  for (const [system, machine, says] of [
    [
      'Linux',
      'mips64',
      /this server has no probe executable for linux-mips64 \(mips64\); it has: linux-x64 linux-arm64 linux-armv7 windows-x64 darwin-x64 darwin-arm64|it has: linux-x64/,
    ],
    ['FreeBSD', 'amd64', /no probe executable for FreeBSD here/],
  ] as const) {
    const bin = fakeMachine(s.dir, system, machine, true);
    const result = spawnSync(path.join(bin, 'sh'), ['-s', '--', '--key', 'k', '--no-start'], {
      input: script,
      encoding: 'utf8',
      env: { PATH: bin, PROBE_INSTALL_ROOT: path.join(s.dir, `none-${machine}`) },
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, says);
  }

  // Gzip on the wire from the release's .gz, the same bytes once decoded.
  const gz = await fetch(`${s.base}/download/probe-linux-arm64`, { method: 'HEAD', headers: { 'Accept-Encoding': 'gzip' } });
  assert.equal(gz.headers.get('content-encoding'), 'gzip');
  assert.equal(Number(gz.headers.get('content-length')), statSync(release('probe-linux-arm64.gz')).size);
  assert.equal(gz.headers.get('x-checksum-sha256'), sha256(release('probe-linux-arm64')));
  const ps1 = await (await fetch(`${s.base}/install.ps1`)).text();
  assert.ok(ps1.includes(sha256(release(fileOf('windows-x64')))), 'install.ps1 pins the Windows executable');
  assert.ok(ps1.includes('/download/probe-windows-x64.exe'));
});

test('probe-windows-x64.exe install agent under Wine: the service it registers runs the agent, which reports', async (t) => {
  const s = await releaseServer(t);
  const env = winePrefix(s.dir);
  t.after(() => spawnSync('/usr/lib/wine/wineserver', ['-k'], { env }));
  // Wine ends its services when its last ordinary process exits: this one stays until the end.
  const keeper = spawn('/usr/lib/wine/wine64', ['cmd.exe'], { env, stdio: ['pipe', 'ignore', 'ignore'] });
  t.after(() => keeper.kill());
  const key = nodeAdd(s.data, 'win-service');
  const install = wineRun(env, s.dir, [
    path.join(s.shelf, 'probe-windows-x64.exe'),
    'install',
    'agent',
    '--server',
    s.ws,
    '--key',
    key,
    '--interval',
    '1s',
  ]);
  assert.equal(await install.wait(), 0, install.stderr());
  assert.match(install.stdout(), /probe-agent/);
  const node = await online(s.base, 'win-service');
  assert.match(node.os, /windows/i);
  const programData = path.join(env.WINEPREFIX!, 'drive_c/ProgramData/probe');
  assert.ok(readFileSync(path.join(programData, 'agent.json'), 'utf8').includes(key), 'the key is in agent.json');
  assert.ok(
    existsSync(path.join(env.WINEPREFIX!, 'drive_c/Program Files/probe/probe-service.exe')),
    'the service host came out of the executable',
  );
  const removed = wineRun(env, s.dir, [path.join(s.shelf, 'probe-windows-x64.exe'), 'install', 'agent', '--uninstall']);
  assert.equal(await removed.wait(), 0, removed.stderr());
  assert.ok(!existsSync(path.join(programData, 'agent.json')), '--uninstall takes the key away');
});
