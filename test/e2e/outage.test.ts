/**
 * Lossless delivery with the real binaries: the agent's on-disk buffer carries samples across a
 * 2-minute server outage, an agent restart, and connections cut mid-frame by a proxy; every
 * sequence number ends up stored exactly once.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import type { NodeView } from '../../src/protocol/messages';
import { openSqliteStore } from '../../src/store/sqlite-store';
import { BINARY, getJson, run, tempDir, waitFor } from '../helpers';
import type { Running } from '../helpers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startServer(dir: string, listen: string): Promise<{ proc: Running; base: string; port: number }> {
  const proc = run(BINARY, ['server', '--listen', listen, '--data', path.join(dir, 'data')], { cwd: dir });
  const base = await waitFor('server URL', () => /open (http:\/\/\S+)\//.exec(proc.stdout())?.[1]);
  return { proc, base, port: Number(new URL(base).port) };
}

function addNode(dir: string, name: string): string {
  const out = execFileSync(BINARY, ['node', 'add', name, '--data', path.join(dir, 'data')], { encoding: 'utf8' });
  return /\n {2}(pk_\S+)\n/.exec(out)![1]!;
}

function startAgent(dir: string, port: number, key: string): Running {
  return run(BINARY, ['agent', '--server', `ws://127.0.0.1:${port}`, '--interval', '1s', '--state-dir', path.join(dir, 'agent-state')], { cwd: dir, env: { PROBE_KEY: key } });
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

function assertContiguous(seqs: number[], atLeast: number): void {
  assert.ok(seqs.length >= atLeast, `${seqs.length} samples stored, expected at least ${atLeast}`);
  assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), 'every seq from 1 on, once, none missing');
}

/** Waits until the agent's newest samples are stored (the node shows a sample at most 2 s old). */
async function caughtUp(base: string): Promise<void> {
  await waitFor('agent caught up', async () => {
    const [node] = await getJson<NodeView[]>(`${base}/api/nodes`);
    return node?.online && node.lastSeen !== null && Date.now() - node.lastSeen < 2500;
  }, 60_000);
}

test('a 2-minute server outage: the agent buffers on disk and backfills; nothing lost, nothing twice', { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t, 'probe-outage-');
  let server = await startServer(dir, '127.0.0.1:0');
  const port = server.port;
  const agent = startAgent(dir, port, addNode(dir, 'patient'));
  t.after(() => agent.stop('SIGKILL'));
  await caughtUp(server.base);
  await server.proc.stop('SIGTERM');
  await sleep(120_000);
  server = await startServer(dir, `127.0.0.1:${port}`);
  t.after(() => server.proc.stop());
  await caughtUp(server.base);
  // Backfill of ~120 samples runs alongside live ones: wait until the stored count reaches the newest seq.
  await sleep(3000);
  await agent.stop('SIGTERM');
  await server.proc.stop('SIGTERM');
  assertContiguous(storedSeqs(dir), 120);
  assert.match(agent.stderr(), /backfill done samples=\d+/);
});

test('the buffer survives an agent restart while the server is away', async (t) => {
  const dir = tempDir(t, 'probe-restart-');
  let server = await startServer(dir, '127.0.0.1:0');
  const port = server.port;
  const key = addNode(dir, 'restarter');
  await server.proc.stop('SIGTERM');
  let agent = startAgent(dir, port, key);
  await sleep(4000);
  assert.equal(await agent.stop('SIGTERM'), 0);
  agent = startAgent(dir, port, key);
  t.after(() => agent.stop('SIGKILL'));
  await sleep(3000);
  server = await startServer(dir, `127.0.0.1:${port}`);
  t.after(() => server.proc.stop());
  await caughtUp(server.base);
  await sleep(3000);
  await agent.stop('SIGTERM');
  await server.proc.stop('SIGTERM');
  assertContiguous(storedSeqs(dir), 6);
});

test('connections cut mid-frame by a proxy: every sample stored exactly once', async (t) => {
  const dir = tempDir(t, 'probe-proxy-');
  const server = await startServer(dir, '127.0.0.1:0');
  t.after(() => server.proc.stop());
  // A TCP proxy that, every 2.5 s, forwards half of the next chunk from the agent and then cuts both sides.
  const sockets = new Set<net.Socket>();
  let cutPending = false;
  const proxy = net.createServer((client) => {
    const upstream = net.connect(server.port, '127.0.0.1');
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
    for (const s of [client, upstream]) s.on('error', () => undefined).on('close', () => (client.destroy(), upstream.destroy(), sockets.delete(s)));
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    proxy.close();
  });
  const cutter = setInterval(() => (cutPending = true), 2500);
  t.after(() => clearInterval(cutter));

  const agent = startAgent(dir, (proxy.address() as AddressInfo).port, addNode(dir, 'cut'));
  t.after(() => agent.stop('SIGKILL'));
  await sleep(15_000);
  clearInterval(cutter);
  await caughtUp(server.base);
  await sleep(6000);
  await agent.stop('SIGTERM');
  await server.proc.stop('SIGTERM');
  assertContiguous(storedSeqs(dir), 12);
  assert.ok((agent.stderr().match(/connected to server/g) ?? []).length >= 3, 'the proxy really cut the connection several times');
});
