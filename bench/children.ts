/**
 * @module The processes a benchmark starts: their stdout and stderr kept as lines, a wait for a
 * line, and the "stats" request the load generators answer on stdin. All are killed at the end.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  createReadStream,
  createWriteStream,
  mkdirSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

export type Child = ChildProcess & {
  /** stdout, line by line. */
  lines: string[];
  /** stderr, line by line. */
  errLines: string[];
  waitLine(re: RegExp, ms: number): Promise<string>;
};

export const children: Child[] = [];

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const log = (line: string) => process.stderr.write(`${line}\n`);

function collect(stream: NodeJS.ReadableStream, into: string[]): void {
  let buffer = '';
  stream.on('data', (d) => {
    if (process.env.BENCH_VERBOSE) process.stderr.write(d);
    buffer += d;
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    into.push(...parts);
  });
}

export function start(command: string, argv: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Child {
  const child = spawn(command, argv, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  }) as Child;
  children.push(child);
  child.lines = [];
  child.errLines = [];
  collect(child.stdout!, child.lines);
  collect(child.stderr!, child.errLines);
  child.waitLine = async (re, ms) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const line = child.lines.find((l) => re.test(l));
      if (line) return line;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${command}: no line matching ${re} within ${ms} ms`);
      await sleep(50);
    }
  };
  return child;
}

/** Asks a load generator for its figures ("stats" on stdin, a JSON line matching `re` back). */
export async function request(child: Child, re: RegExp): Promise<Record<string, number>> {
  const before = child.lines.length;
  child.stdin!.write('stats\n');
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const line = child.lines.slice(before).find((l) => re.test(l));
    if (line) return JSON.parse(line) as Record<string, number>;
    await sleep(50);
  }
  throw new Error('no stats answer');
}

export function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
}

/**
 * How to run the server's bundle (dist/probe.cjs: the code inside dist/probe) under node with
 * `nodeArgs` (--cpu-prof, which the executable refuses in NODE_OPTIONS). Outside the executable the
 * bundled better-sqlite3 looks for its addon under the bundle's package root, so the bundle runs
 * from a copy in `dir` beside the addon npm built (with the bundles of remote write's worker
 * thread, nodemailer and pg); the page's files still come from dist/web (cwd).
 */
export function bundleCommand(root: string, dir: string, nodeArgs: string[]): [string, string[]] {
  const at = path.join(dir, 'bundle');
  // Made afresh for each run (--remote-write starts a second server).
  rmSync(at, { recursive: true, force: true });
  mkdirSync(at, { recursive: true });
  copyFileSync(path.join(root, 'dist/probe.cjs'), path.join(at, 'probe.cjs'));
  // The server's code, remote write's worker thread, nodemailer and pg each load from the bundle beside it.
  const beside = (f: string) => f === 'server-part.cjs' || f === 'remote-writer.cjs' || /^pkg-.*\.cjs$/.test(f);
  for (const file of readdirSync(path.join(root, 'dist')).filter(beside)) copyFileSync(path.join(root, 'dist', file), path.join(at, file));
  writeFileSync(path.join(at, 'package.json'), '{}');
  const addon = path.dirname(createRequire(path.join(root, 'package.json')).resolve('better-sqlite3/package.json'));
  symlinkSync(path.join(addon, 'build'), path.join(at, 'build'));
  return [process.execPath, [...nodeArgs, path.join(at, 'probe.cjs')]];
}

/**
 * Copies the executable `from` to `to` in 64 KiB writes, as the agent's download is written, and
 * makes it executable. A file written in one large write may sit in the page cache in 2 MB folios
 * mapped whole, which changes a process's RSS; and a copy of its own keeps a process's code pages
 * from being shared with another that runs the same file. Returns `to`.
 */
export async function executableCopy(from: string, to: string): Promise<string> {
  await pipeline(createReadStream(from, { highWaterMark: 64 * 1024 }), createWriteStream(to));
  chmodSync(to, 0o755);
  return to;
}

export function killAll(): void {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
}
