/**
 * The Windows service end to end under Wine (Debian's wine64, a fresh prefix that says Windows 10,
 * which Node 22 needs): `probe install agent` (src/install/windows.ts, run by the official Node for
 * Windows) copies the files and registers probe-agent with Wine's sc.exe (with --no-start, the
 * sc.exe commands it prints do that from a Command Prompt); the host
 * (probe-service.c) runs `probe.exe agent --config C:\ProgramData\probe\agent.json`, restarts it
 * with a growing delay, stops it with the service and takes it down when it dies itself; a second
 * install replaces the files of the running service; --uninstall removes it.
 *
 * probe.exe here is that Node: run as `probe.exe agent --config …` in C:\ProgramData\probe it
 * loads agent.js from there, a stand-in that reports what it was given and writes a heartbeat.
 * What Wine cannot show: ACLs (its icacls does nothing) and the SCM's restart of a dead host.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { build } from 'esbuild';
import { ROOT, tempDir, waitFor } from '../helpers';
import { buildServiceHost } from './build-host';
import { winePrefix } from '../wine-prefix';

const WINE = '/usr/lib/wine/wine64';
const WINESERVER = '/usr/lib/wine/wineserver';
const KEY = 'pk_wine_test_key_0123456789abcdefghijklmnop';

const STAND_IN_AGENT = `
const fs = require('fs');
const config = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
console.log('stand-in agent ' + JSON.stringify({ args: process.argv.slice(2), server: config.agent.server, key: config.agent.key === ${JSON.stringify(KEY)}, pid: process.pid }));
setInterval(() => fs.writeFileSync('heartbeat', String(Date.now())), 100);
`;

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const windowsPath = (file: string) => `Z:${file.replace(/\//g, '\\')}`;

/** The official Node for Windows, from the npm package the release embeds (fetched once into .cache/). */
async function nodeForWindows(): Promise<string> {
  const targets = (await import(path.join(ROOT, 'packaging/targets.mjs'))) as {
    TARGETS: Record<string, { bin: string }>;
    nodePackage(target: string): string;
  };
  return path.join(targets.nodePackage('windows-x64'), targets.TARGETS['windows-x64']!.bin);
}

test('Windows service under Wine: --no-start, install, the host runs and restarts `probe.exe agent --config`, stop, reinstall, host death, --uninstall', async (t) => {
  assert.ok(existsSync(WINE), `${WINE} runs this test: apt-get install wine64`);
  const dir = tempDir(t, 'probe-wine-');
  const env = winePrefix(path.join(dir, 'prefix')) as NodeJS.ProcessEnv & { WINEPREFIX: string };
  // Output through files: Node for Windows under Wine fails to open a Unix pipe as its stdout (EBADF).
  const wine = (...args: string[]) => {
    const [out, err] = [path.join(dir, 'stdout'), path.join(dir, 'stderr')];
    const fds = [openSync(out, 'w'), openSync(err, 'w')];
    const result = spawnSync(WINE, args, { env, stdio: ['ignore', ...fds], timeout: 30_000 });
    fds.forEach((fd) => closeSync(fd));
    return { status: result.status, stdout: readFileSync(out, 'utf8'), stderr: readFileSync(err, 'utf8') };
  };
  const installer = path.join(dir, 'install-windows.cjs');
  const [nodeExe, host] = await Promise.all([
    nodeForWindows(),
    buildServiceHost(path.join(dir, 'probe-service.exe')),
    build({
      stdin: {
        contents: `import { installWindows } from './src/install/windows';
          try { console.log(installWindows(JSON.parse(process.argv[2])).join('\\n')); }
          catch (err) { console.error(err.code + ': ' + err.message); process.exitCode = 1; }`,
        resolveDir: ROOT,
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: installer,
      logLevel: 'warning',
    }),
  ]);

  t.after(() => spawnSync(WINESERVER, ['-k'], { env }));
  // Wine ends its services when the last ordinary process exits: this one stays until the end.
  const keeper = spawn(WINE, ['cmd.exe'], { env, stdio: ['pipe', 'ignore', 'ignore'] });
  t.after(() => keeper.kill());

  const drive = path.join(env.WINEPREFIX, 'drive_c');
  const data = path.join(drive, 'ProgramData/probe');
  const log = path.join(data, 'agent.log');
  const programDir = path.join(drive, 'Program Files/probe');
  mkdirSync(data, { recursive: true });
  writeFileSync(path.join(data, 'agent.js'), STAND_IN_AGENT);
  const options = {
    start: true,
    uninstall: false,
    settings: { PROBE_SERVER: 'wss://status.example.com', PROBE_KEY: KEY },
    self: windowsPath(nodeExe),
    serviceHost: windowsPath(host),
  };
  const runInstaller = (overrides: object) => {
    const result = wine(windowsPath(nodeExe), windowsPath(installer), JSON.stringify({ ...options, ...overrides }));
    assert.equal(result.status, 0, result.stderr);
    return result.stdout;
  };
  const readLog = () => (existsSync(log) ? readFileSync(log, 'utf8') : '');
  /** waitFor, with the end of the host's log in the failure. */
  const waitLog = async <T>(what: string, check: () => T | Promise<T>, timeoutMs?: number) => {
    try {
      return await waitFor(what, check, timeoutMs);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nagent.log ends:\n${readLog().slice(-2000)}`);
    }
  };
  const heartbeat = () => Number(readFileSync(path.join(data, 'heartbeat'), 'utf8'));
  const beating = () =>
    waitLog('the agent’s heartbeat', () => {
      const before = heartbeat();
      return new Promise((r) => setTimeout(() => r(heartbeat() > before), 300));
    });
  const stopped = async () => {
    const last = heartbeat();
    await new Promise((r) => setTimeout(r, 500));
    return heartbeat() === last;
  };
  const state = () => /STATE\s*:\s*\d+\s+(\w+)/.exec(wine('sc.exe', 'query', 'probe-agent').stdout)?.[1];

  // --no-start writes the files and prints the sc.exe commands, which register it from a Command Prompt.
  const services = 'HKLM\\SYSTEM\\CurrentControlSet\\Services\\probe-agent';
  const filesOnly = runInstaller({ start: false });
  assert.match(filesOnly, /Copied .*node\.exe to C:\\Program Files\\probe\\probe\.exe\./);
  assert.ok(existsSync(path.join(data, 'agent.json')));
  assert.notEqual(wine('reg.exe', 'query', services).status, 0, 'not registered');
  const create = /^ {2}(sc\.exe create .*)$/m.exec(filesOnly)![1]!;
  assert.equal(
    create,
    'sc.exe create probe-agent binPath= "\\"C:\\Program Files\\probe\\probe-service.exe\\"" start= auto DisplayName= "probe agent"',
  );
  writeFileSync(path.join(drive, 'register.cmd'), `@${create}\r\n`);
  assert.equal(wine('cmd.exe', '/c', 'C:\\register.cmd').status, 0);
  assert.match(wine('reg.exe', 'query', services).stdout, /ImagePath\s+REG_SZ\s+"C:\\Program Files\\probe\\probe-service\.exe"\r?\n/);
  assert.equal(wine('sc.exe', 'delete', 'probe-agent').status, 0);

  // Install: files in place, the service registered and running.
  const installed = runInstaller({});
  assert.match(installed, /Started the probe-agent service; it starts at boot/);
  assert.equal(sha256(path.join(programDir, 'probe.exe')), sha256(nodeExe));
  assert.ok(readFileSync(path.join(programDir, 'probe-service.exe')).equals(readFileSync(host)));
  const config = JSON.parse(readFileSync(path.join(data, 'agent.json'), 'utf8')) as { agent: Record<string, string> };
  assert.deepEqual(config.agent, { server: 'wss://status.example.com', key: KEY, stateDir: 'C:\\ProgramData\\probe\\state' });
  const registry = wine('reg.exe', 'query', services).stdout;
  assert.match(registry, /ImagePath\s+REG_SZ\s+"C:\\Program Files\\probe\\probe-service\.exe"\r?\n/);
  assert.match(registry, /Start\s+REG_DWORD\s+0x2\r?\n/, 'starts at boot');
  assert.ok(!registry.includes(KEY), 'the key is not in the service’s registration');

  // The host runs the agent with the config file: the key reaches it from the file alone.
  const report = await waitLog('the stand-in agent’s report', () => /stand-in agent (.*)/.exec(readLog())?.[1]);
  assert.deepEqual(JSON.parse(report), {
    args: ['--config', 'C:\\ProgramData\\probe\\agent.json'],
    server: 'wss://status.example.com',
    key: true,
    pid: JSON.parse(report).pid,
  });
  assert.ok(
    readLog().includes(`the agent's command: "C:\\Program Files\\probe\\probe.exe" agent --config "C:\\ProgramData\\probe\\agent.json"\n`),
  );
  assert.ok(!readLog().includes(KEY), 'the key is on no command line');
  assert.equal(state(), 'RUNNING');
  await beating();

  // Installing again (an upgrade) stops the running service to replace its files, then starts it.
  const again = runInstaller({});
  assert.match(again, /^Stopped the probe-agent service\.$/m);
  assert.match(again, /Started the probe-agent service/);
  await waitLog('the second start', () => readLog().split('service started (process').length === 3);
  await beating();

  // Stopping the service stops the agent.
  assert.equal(wine('net.exe', 'stop', 'probe-agent').status, 0);
  assert.equal(state(), 'STOPPED');
  assert.ok(await stopped(), 'the agent stopped with the service');
  assert.match(readLog(), /probe-service: service stopped\n$/);

  // An agent that exits is started again after 1 s, then 2 s (the Command value replaces the
  // command). Each run writes 3 MiB: the log stays under 5 MiB, the one before in agent.log.1.
  const parameters = 'HKLM\\SYSTEM\\CurrentControlSet\\Services\\probe-agent\\Parameters';
  const chatty = `"C:\\Program Files\\probe\\probe.exe" -e "process.stdout.write(('x'.repeat(1023) + '\\n').repeat(3072)); process.exitCode = 3"`;
  assert.equal(wine('reg.exe', 'add', parameters, '/v', 'Command', '/t', 'REG_SZ', '/d', chatty, '/f').status, 0);
  assert.equal(wine('sc.exe', 'start', 'probe-agent').status, 0);
  const bothLogs = () => (existsSync(`${log}.1`) ? readFileSync(`${log}.1`, 'utf8') : '') + readLog();
  await waitLog(
    'two restarts',
    () => /exited with code 3; starting it again in 1 s\n(.*\n)*.*exited with code 3; starting it again in 2 s\n/.test(bothLogs()),
    15_000,
  );
  assert.equal(wine('net.exe', 'stop', 'probe-agent').status, 0);
  assert.equal(wine('reg.exe', 'delete', parameters, '/f').status, 0);
  for (const file of [log, `${log}.1`]) assert.ok(statSync(file).size <= 5 * 1024 * 1024, `${file}: ${statSync(file).size} bytes`);

  // The agent runs in a job object: when the host dies, so does the agent.
  assert.equal(wine('sc.exe', 'start', 'probe-agent').status, 0);
  await beating();
  const hostPid = [...readLog().matchAll(/service started \(process (\d+)\)/g)].at(-1)![1];
  assert.equal(wine(windowsPath(nodeExe), '-e', `process.kill(${hostPid})`).status, 0);
  assert.ok(await waitLog('the agent to die with its host', stopped), 'the agent died with its host');
  assert.equal(wine('sc.exe', 'start', 'probe-agent').status, 0, 'Wine’s SCM takes it up again');
  await beating();

  // --uninstall: the service and the config go; the executables stay.
  const removed = runInstaller({ uninstall: true });
  assert.match(removed, /Removed the probe-agent service and C:\\ProgramData\\probe\\agent\.json\./);
  assert.notEqual(wine('reg.exe', 'query', services).status, 0, 'not registered');
  assert.ok(!existsSync(path.join(data, 'agent.json')));
  assert.ok(existsSync(path.join(programDir, 'probe.exe')));
  assert.ok(await stopped(), 'the agent is not running');
});
