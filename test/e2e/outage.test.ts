/**
 * Lossless delivery with the real binaries, in one short run: connections cut mid-frame by a proxy,
 * then the server away while the agent is restarted; the on-disk buffer carries the samples across
 * and every sequence number ends up stored exactly once. Long outages (backoff up to its cap, a
 * two-minute backlog in batches) are covered in milliseconds by test/agent/session.test.ts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import type { NodeView } from '../../src/protocol/messages';
import { openSqliteStore } from '../../src/store/sqlite-store';
import { BINARY, getJson, listeningUrl, run, tempDir, waitFor } from '../helpers';
import type { Running } from '../helpers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startServer(dir: string, listen: string): Promise<{ proc: Running; base: string; port: number }> {
  const proc = run(BINARY, ['server', '--listen', listen, '--data', path.join(dir, 'data')], { cwd: dir });
  const base = await listeningUrl(proc, 'server URL');
  return { proc, base, port: Number(new URL(base).port) };
}

function addNode(dir: string, name: string): string {
  const out = execFileSync(BINARY, ['node', 'add', name, '--data', path.join(dir, 'data')], { encoding: 'utf8' });
  return /\n {2}(pk_\S+)\n/.exec(out)![1]!;
}

function startAgent(dir: string, port: number, key: string): Running {
  return run(BINARY, ['agent', '--server', `ws://127.0.0.1:${port}`, '--interval', '1s', '--state-dir', path.join(dir, 'agent-state')], {
    cwd: dir,
    env: { PROBE_KEY: key },
  });
}

/** The stored sequence numbers of the only node, after the server has stopped. */
function storedSeqs(dir: string): number[] {
  const store = openSqliteStore(path.join(dir, 'data'));
  try {
    return store.samples(store.listNodes()[0]!.id, 0, Date.now() + 60_000).map((s) => s.seq);
  } finally {
    store.close();
  }
}

/**
 * Waits until the server has taken in a sample the agent made after `ts`: the agent sends in order
 * on one socket, so everything it sent before then (backfill included) has reached the server,
 * which commits what it holds when it stops.
 */
async function receivedAfter(base: string, ts: number): Promise<void> {
  await waitFor(
    `a sample made after ${new Date(ts).toISOString()}`,
    async () => {
      const [node] = await getJson<NodeView[]>(`${base}/api/nodes`);
      return node?.lastSeen !== null && node!.lastSeen! > ts;
    },
    30_000,
  );
}

/** A TCP proxy that, when told to, forwards half of the agent's next chunk and then cuts both sides. */
async function cuttingProxy(t: { after(fn: () => void): void }, upstreamPort: number): Promise<{ port: number; cut(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let cutPending = false;
  const proxy = net.createServer((client) => {
    const upstream = net.connect(upstreamPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => {
      if (cutPending && chunk.length > 1) {
        cutPending = false;
        upstream.write(chunk.subarray(0, Math.floor(chunk.length / 2)), () => {
          client.destroy();
          upstream.destroy();
        });
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    for (const s of [client, upstream])
      s.on('error', () => undefined).on('close', () => (client.destroy(), upstream.destroy(), sockets.delete(s)));
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    proxy.close();
  });
  return {
    port: (proxy.address() as AddressInfo).port,
    async cut() {
      cutPending = true;
      await waitFor('a frame cut in half', () => !cutPending, 10_000, 20);
    },
  };
}

const connects = (agent: Running) => (agent.stderr().match(/connected to server/g) ?? []).length;

test('cut mid-frame, then the server away while the agent restarts: every sample stored exactly once', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t, 'probe-outage-');
  let server = await startServer(dir, '127.0.0.1:0');
  // Whichever server runs when the test ends, even one that failed halfway.
  t.after(() => server.proc.stop('SIGKILL'));
  const port = server.port;
  const key = addNode(dir, 'patient');
  const proxy = await cuttingProxy(t, port);
  let agent = startAgent(dir, proxy.port, key);
  t.after(() => agent.stop('SIGKILL'));
  await waitFor('agent connected', () => connects(agent) >= 1, 20_000, 20);

  for (let cut = 1; cut <= 3; cut++) {
    const before = connects(agent);
    await proxy.cut();
    await waitFor(`a new connection after cut ${cut}`, () => connects(agent) > before, 10_000, 20);
  }

  await server.proc.stop('SIGTERM');
  await sleep(3000);
  assert.equal(await agent.stop('SIGTERM'), 0, 'the agent stops cleanly while the server is away');
  agent = startAgent(dir, proxy.port, key);
  await waitFor('the restarted agent', () => /agent started .*unacked=(\d+)/.exec(agent.stderr()), 10_000, 20).then(([, unacked]) => {
    assert.ok(Number(unacked) >= 2, `the buffer kept what the server did not ack: unacked=${unacked}`);
  });
  await sleep(3000);
  server = await startServer(dir, `127.0.0.1:${port}`);
  const [, backfilled] = await waitFor('backfill done', () => /backfill done samples=(\d+)/.exec(agent.stderr()), 30_000, 20);
  assert.ok(Number(backfilled) >= 5, `both agents' samples from the outage backfilled: ${backfilled}`);
  await receivedAfter(server.base, Date.now());
  await agent.stop('SIGTERM');
  await server.proc.stop('SIGTERM');
  const seqs = storedSeqs(dir);
  // Those it backfilled and at least one made after (receivedAfter): a count that
  // follows from what happened, not from how long the steps took (a loaded machine made 11, not 12).
  assert.ok(seqs.length >= Number(backfilled) + 1, `${seqs.length} samples stored, ${backfilled} of them backfilled`);
  assert.deepEqual(
    seqs,
    Array.from({ length: seqs.length }, (_, i) => i + 1),
    'every seq from 1 on, once, none missing',
  );
});
