/**
 * @module What the release tests share: the files of dist/release/ (`npm run test:release`
 * builds them first), how to run each one here (qemu-user for ARM, Wine for Windows), and a
 * release server with nodes to report to.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { winePrefix as copyPrefix } from '../wine-prefix';
import { ROOT, listeningUrl, run } from '../helpers';
import type { Running } from '../helpers';

export const RELEASE = path.join(ROOT, 'dist/release');
export const release = (file: string) => path.join(RELEASE, file);

export const LINUX = ['linux-x64', 'linux-arm64', 'linux-armv7'] as const;
export const ALL = [...LINUX, 'windows-x64', 'darwin-x64', 'darwin-arm64'] as const;
export const fileOf = (target: string) => `probe-${target}${target.startsWith('windows') ? '.exe' : ''}`;

/** binfmt is not mounted here: foreign binaries run under qemu-user with their target's libc. */
const QEMU: Record<string, string[]> = {
  'linux-x64': [],
  'linux-arm64': ['qemu-aarch64', '-L', '/usr/aarch64-linux-gnu'],
  'linux-armv7': ['qemu-arm', '-L', '/usr/arm-linux-gnueabihf'],
};

export const WINE = '/usr/lib/wine/wine64';

/** The command line that runs a Linux release file of `target` on this machine. */
export function linuxCommand(target: string, args: string[]): [string, string[]] {
  const [runner, ...prefix] = QEMU[target]!;
  const file = release(fileOf(target));
  return runner ? [runner, [...prefix, file, ...args]] : [file, args];
}

export function runTarget(target: string, args: string[], env: NodeJS.ProcessEnv = {}): Running {
  const [command, argv] = linuxCommand(target, args);
  return run(command, argv, { env });
}

export function execTarget(target: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const [command, argv] = linuxCommand(target, args);
  return spawnSync(command, argv, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
}

/**
 * A Wine prefix in `dir` that says Windows 10 (Node 22 refuses to start on what Wine reports by
 * default). Returns the environment to run wine64 with.
 */
export function winePrefix(dir: string): NodeJS.ProcessEnv {
  return copyPrefix(path.join(dir, 'wine'));
}

/**
 * Runs a Windows executable under Wine. Its stdout and stderr go to files: Node for Windows
 * cannot open the pipes Wine hands it (EBADF), but writes files fine.
 */
export function wineRun(env: NodeJS.ProcessEnv, logDir: string, args: string[]): Running & { wait(): Promise<number | null> } {
  const out = path.join(logDir, `wine-${process.hrtime.bigint()}.out`);
  const err = `${out.slice(0, -4)}.err`;
  const fds = [openSync(out, 'w'), openSync(err, 'w')];
  const child = spawn(WINE, args, { env, stdio: ['ignore', fds[0]!, fds[1]!] });
  for (const fd of fds) closeSync(fd);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');
  return {
    child,
    stdout: () => read(out),
    stderr: () => read(err),
    wait: () => exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export function requireRelease(): void {
  for (const target of ALL)
    assert.ok(existsSync(release(fileOf(target))), `${fileOf(target)} is in dist/release: run \`npm run test:release\`, which builds it`);
}

/** Adds a node through the release server's own CLI; returns its key. */
export function nodeAdd(dataDir: string, name: string): string {
  const out = execFileSync(release('probe-linux-x64'), ['node', 'add', name, '--data', dataDir], { encoding: 'utf8' });
  const key = /\n {2}(pk_[A-Za-z0-9_-]+)\n/.exec(out)?.[1];
  assert.ok(key, `a key in:\n${out}`);
  return key;
}

/** Starts a release server; resolves with its base URL once it prints it. */
export async function startServer(target: string, dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<{ proc: Running; base: string }> {
  const proc = runTarget(target, ['server', '--listen', '127.0.0.1:0', '--data', dataDir], env);
  const base = await listeningUrl(proc, `${target} server URL`, 90_000).catch((err: Error) => {
    throw new Error(`${err.message}\n${proc.stderr()}`);
  });
  return { proc, base: base.replace('localhost', '127.0.0.1') };
}
