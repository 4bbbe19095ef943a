/**
 * @module The page benchmarks' fleet: N nodes in a fresh data dir, the real server binary, and
 * bench/agents.ts sending a sample a second for each.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKey, hashKey } from '../src/server/fleet/keys';
import { openSqliteStore } from '../src/store/sqlite-store';

const root = path.resolve(import.meta.dirname, '..');
const COUNTRIES = ['JP', 'DE', 'US', 'SG', 'NL', 'FR', 'HK', 'GB', 'CA', 'AU'];
/** The first render is the page's JavaScript in this long after navigation. */
export const FIRST_RENDER_MS = 1500;

export interface Fleet {
  /** The server's base URL, without a trailing slash. */
  url: string;
  /** The server's and the agents' processes (not Chromium's). */
  children: ChildProcess[];
  /** What the server printed so far (the admin's setup link among it). */
  serverOut: () => string;
  stop: () => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, check: () => T | undefined | null | false, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function start(children: ChildProcess[], command: string, argv: string[]): () => string {
  const child = spawn(command, argv, { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  let text = '';
  child.stdout.on('data', (d) => (text += d));
  return () => text;
}

function addNodes(dir: string, count: number): string {
  const store = openSqliteStore(path.join(dir, 'data'));
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const key = generateKey();
    keys.push(key);
    const name = `node-${String(i).padStart(3, '0')}`;
    store.addNode({ name, group: `region-${i % 5}`, location: COUNTRIES[i % COUNTRIES.length]!, keyHash: hashKey(key) }, Date.now());
  }
  store.close();
  const file = path.join(dir, 'keys.txt');
  writeFileSync(file, keys.join('\n'));
  return file;
}

/** Starts `binary` as the server with `count` nodes and their agents; resolves once every agent is connected. */
export async function startFleet(count: number, binary = path.join(root, 'dist/probe')): Promise<Fleet> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'probe-bench-page-'));
  const children: ChildProcess[] = [];
  const stop = () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const keys = addNodes(dir, count);
    const data = path.join(dir, 'data');
    const server = start(children, binary, ['server', '--listen', '127.0.0.1:0', '--data', data, '--log-level', 'warn']);
    const url = await until('server URL', () => /open (http:\/\/\S+)\//.exec(server())?.[1], 15_000);
    const agentsArgs = [
      '--import',
      'tsx',
      path.join(root, 'bench/agents.ts'),
      '--url',
      `${url.replace('http', 'ws')}/ws/agent`,
      '--keys',
      keys,
    ];
    const agents = start(children, process.execPath, agentsArgs);
    await until('agents connected', () => agents().includes('"connected"'), 60_000);
    return { url, children, serverOut: server, stop };
  } catch (err) {
    stop();
    throw err;
  }
}
