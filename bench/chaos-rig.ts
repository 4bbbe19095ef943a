/**
 * @module What bench:chaos's faults share: the real server and agents as child processes, nodes
 * added through the store, the tally of what reached the database (sent, stored, lost, doubled),
 * and waits on the server's own API.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { NodeView } from '../src/protocol/messages';
import { generateKey, hashKey } from '../src/server/fleet/keys';
import { openSqliteStore } from '../src/store/sqlite-store';
import { sleep, start } from './children';
import type { Child } from './children';

export const BINARY = path.resolve(import.meta.dirname, '../dist/probe');

/** One fault's figures, as printed. */
export interface FaultResult {
  fault: string;
  sent: number;
  stored: number;
  lost: number;
  doubled: number;
  /** Seconds from the fault's end until every node was back and live (null: not reached). */
  recoverSec: number | null;
  note: string;
}

export interface Server {
  child: Child;
  base: string;
  port: number;
}

/** `probe server` on loopback; `port` 0 for any. */
export async function startServer(dir: string, data: string, port = 0, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Server> {
  const child = start(BINARY, ['server', '--listen', `127.0.0.1:${port}`, '--data', data, ...extra], { cwd: dir, env });
  const line = await child.waitLine(/open http:\/\/\S+\//, 20_000);
  const base = /open (http:\/\/\S+)\//.exec(line)![1]!;
  return { child, base, port: Number(new URL(base).port) };
}

/** Adds `n` nodes straight into the store (before the server starts) and gives their keys. */
export function addNodes(data: string, n: number, prefix = 'chaos'): string[] {
  const store = openSqliteStore(data);
  try {
    return Array.from({ length: n }, (_, i) => {
      const key = generateKey();
      store.addNode({ name: `${prefix}-${i}`, group: '', location: '', keyHash: hashKey(key) }, Date.now());
      return key;
    });
  } finally {
    store.close();
  }
}

/** The real agent at 1 s, to `port` on loopback; `prefix` runs it under another command (faketime). */
export function startAgent(
  dir: string,
  port: number,
  key: string,
  stateDir: string,
  prefix: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Child {
  const argv = [BINARY, 'agent', '--server', `ws://127.0.0.1:${port}`, '--interval', '1s', '--state-dir', stateDir];
  return start(prefix[0] ?? argv[0]!, [...prefix.slice(1), ...(prefix.length ? argv : argv.slice(1))], {
    cwd: dir,
    env: { PROBE_KEY: key, ...env },
  });
}

/** Waits for a line on the child's stderr (the agent logs there); false past `ms`. */
export async function waitErr(child: Child, re: RegExp, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.errLines.some((l) => re.test(l))) return true;
    await sleep(100);
  }
  return false;
}

export async function nodes(base: string): Promise<NodeView[]> {
  return (await (await fetch(`${base}/api/nodes`)).json()) as NodeView[];
}

/** Seconds until every node is online with a sample newer than the wait's start, or null past `timeoutMs`. */
export async function untilLive(base: string, timeoutMs: number): Promise<number | null> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    try {
      const all = await nodes(base);
      if (all.length > 0 && all.every((n) => n.online && (n.lastSeen ?? 0) > t0)) return (Date.now() - t0) / 1000;
    } catch {
      // The server is starting.
    }
    await sleep(100);
  }
  return null;
}

/** Stops children with SIGTERM (the agents keep what is unacked, the server commits what it holds). */
export async function stop(...children: Child[]): Promise<void> {
  await Promise.all(
    children.map((c) => (c.exitCode !== null || c.signalCode !== null ? null : new Promise((r) => (c.once('exit', r), c.kill('SIGTERM'))))),
  );
}

/**
 * What the database holds per node, against what the agents took: samples are seqs from 1 to
 * `sent` per node; stored counts distinct seqs, lost the ones missing, doubled the extra rows.
 */
export function tally(data: string, sentPerNode?: number[]): Pick<FaultResult, 'sent' | 'stored' | 'lost' | 'doubled'> {
  const store = openSqliteStore(data);
  try {
    let sent = 0;
    let stored = 0;
    let doubled = 0;
    store.listNodes().forEach((node, i) => {
      const seqs = store.samples(node.id, 0, Date.now() + 3_600_000 * 2).map((s) => s.seq);
      const distinct = new Set(seqs);
      sent += sentPerNode?.[i] ?? Math.max(0, ...seqs);
      stored += distinct.size;
      doubled += seqs.length - distinct.size;
    });
    return { sent, stored, lost: sent - stored, doubled };
  } finally {
    store.close();
  }
}

/** libfaketime preloaded with its offset read from `file` on every call: a clock a test steps while the process runs. */
export function steppableClock(file: string): NodeJS.ProcessEnv {
  writeFileSync(file, '+0\n');
  return {
    LD_PRELOAD: '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
    FAKETIME_TIMESTAMP_FILE: file,
    FAKETIME_NO_CACHE: '1',
    // NTP steps the wall clock only.
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
  };
}

/** Samples (per node, in seq order) stamped at or before the sample before them. */
export function outOfOrder(data: string): number {
  const store = openSqliteStore(data);
  try {
    let count = 0;
    for (const node of store.listNodes()) {
      const samples = store.samples(node.id, 0, Date.now() + 7_200_000).sort((a, b) => a.seq - b.seq);
      for (let i = 1; i < samples.length; i++) if (samples[i]!.ts <= samples[i - 1]!.ts) count++;
    }
    return count;
  } finally {
    store.close();
  }
}

/** Writes the server's config file (a webhook channel, for faults that raise the built-in alert). */
export function writeConfig(dir: string, config: object): string {
  const file = path.join(dir, 'probe.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}
