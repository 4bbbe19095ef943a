/**
 * The rig of the bad-link tests (links-*.test.ts): the real server, real agents at 1 s reaching
 * it through test/fault-proxy.ts, and what the database holds once they stop.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { NodeView } from '../../src/protocol/messages';
import { openSqliteStore } from '../../src/store/sqlite-store';
import { BINARY, getJson, listeningUrl, run, tempDir, waitFor } from '../helpers';
import type { Running } from '../helpers';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Rig {
  base: string;
  server: Running;
  agents: Running[];
  /** Stops agents and server cleanly and gives each node's stored seqs. */
  finish(): Promise<number[][]>;
}

export async function rig(
  t: { after(fn: () => unknown): void },
  agents: number,
  port: (serverPort: number) => Promise<number>,
): Promise<Rig> {
  const dir = tempDir(t, 'probe-links-');
  const data = path.join(dir, 'data');
  const server = run(BINARY, ['server', '--listen', '127.0.0.1:0', '--data', data], { cwd: dir });
  t.after(() => server.stop('SIGKILL'));
  const base = await listeningUrl(server, 'server URL');
  const via = await port(Number(new URL(base).port));
  const procs = Array.from({ length: agents }, (_, i) => {
    const key = /\n {2}(pk_\S+)\n/.exec(execFileSync(BINARY, ['node', 'add', `n${i}`, '--data', data], { encoding: 'utf8' }))![1]!;
    const agent = run(
      BINARY,
      ['agent', '--server', `ws://127.0.0.1:${via}`, '--interval', '1s', '--state-dir', path.join(dir, `agent-${i}`)],
      { cwd: dir, env: { PROBE_KEY: key } },
    );
    t.after(() => agent.stop('SIGKILL'));
    return agent;
  });
  await waitFor('every agent connected', () => procs.every((a) => /connected to server/.test(a.stderr())), 20_000);
  return {
    base,
    server,
    agents: procs,
    async finish() {
      // Everything sent before a sample made now has reached the server once that sample has.
      const now = Date.now();
      await waitFor(
        'a sample from every node made after now',
        async () => (await getJson<NodeView[]>(`${base}/api/nodes`)).every((n) => (n.lastSeen ?? 0) > now + 500),
        30_000,
      );
      await sleep(1500);
      for (const a of procs) assert.equal(await a.stop('SIGTERM'), 0);
      assert.equal(await server.stop('SIGTERM'), 0);
      const store = openSqliteStore(data);
      try {
        return store.listNodes().map((n) => store.samples(n.id, 0, Date.now() + 60_000).map((s) => s.seq));
      } finally {
        store.close();
      }
    },
  };
}

export function assertAllOnce(seqsByNode: number[][], atLeast: number): void {
  for (const seqs of seqsByNode) {
    assert.ok(seqs.length >= atLeast, `${seqs.length} samples stored`);
    assert.deepEqual(
      seqs,
      Array.from({ length: seqs.length }, (_, i) => i + 1),
      'every seq from 1 on, once, none missing',
    );
  }
}

export const online = async (base: string) => (await getJson<NodeView[]>(`${base}/api/nodes`))[0]!.online;
