/**
 * @module Shared test helpers: temp dirs, the built binary as a child process, polling.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const BINARY = path.join(ROOT, 'dist/probe');
export const FIXTURES = path.join(ROOT, 'test/fixtures');

/**
 * Where tests keep what is costly to make and the same on every run (a Wine prefix, an initdb'd
 * PostgreSQL cluster): the user's cache ($XDG_CACHE_HOME or ~/.cache), `probe-tests/<name>`, so a
 * fresh clone on the same machine finds it too.
 */
export function testCache(name: string): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'probe-tests', name);
}

/**
 * A temp dir removed after the test. node:test runs `after` hooks first registered first, and a hook
 * that throws skips the rest: the dir is made before the processes writing into it, so its removal
 * runs while they may still write (a TSDB flushing made rm fail with ENOTEMPTY once, the fleet's
 * stop hook never ran and the suite hung). So it never throws: what is still busy goes at exit.
 */
export function tempDir(t: { after(fn: () => void): void }, prefix = 'probe-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 });
    } catch {
      removeAtExit(dir);
    }
  });
  return dir;
}

function removeAtExit(dir: string) {
  process.once('exit', () => {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch (err) {
      console.error(`could not remove ${dir}: ${(err as Error).message}`);
    }
  });
}

export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 10_000, everyMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts a process we own; `stop` ends it by its PID and waits for it to exit. */
export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Running {
  const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  // PROBE_TEST_CHILD_LOGS=<dir>: each child's output also goes to <dir>/<name>-<pid>.log, kept after the run.
  const logDir = process.env.PROBE_TEST_CHILD_LOGS;
  if (logDir) {
    const log = createWriteStream(path.join(logDir, `${path.basename(command)}-${args[0] ?? ''}-${child.pid}.log`));
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    child.on('exit', (code, signal) => log.end(`\n[exit ${code ?? signal}]\n`));
  }
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** The address a `probe server` child prints once it listens ("open http://…/"), without the slash. */
export function listeningUrl(
  proc: Pick<Running, 'stdout'> & Partial<Pick<Running, 'child' | 'stderr'>>,
  what = 'server URL',
  timeoutMs = 30_000,
): Promise<string> {
  const url = waitFor(what, () => /open (https?:\/\/\S+)\//.exec(proc.stdout())?.[1], timeoutMs);
  const child = proc.child;
  if (!child) return url;
  // A process that exits before it listens (a port taken meanwhile, a bad config) fails the wait at once, with what it said.
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      reject(new Error(`${what} exited (${code ?? signal}) before it listened: ${proc.stderr?.().slice(-2000) ?? ''}`));
    if (child.exitCode !== null || child.signalCode !== null) return onExit(child.exitCode, child.signalCode);
    child.once('exit', onExit);
    url.then(
      (u) => {
        child.off('exit', onExit);
        resolve(u);
      },
      (err: unknown) => {
        child.off('exit', onExit);
        reject(err);
      },
    );
  });
}

export async function getJson<T = unknown>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** Each thread of process `pid` with its nice value (field 19 of /proc/<pid>/task/<tid>/stat; Linux). */
export function threadNice(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    out.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
  }
  return out;
}
