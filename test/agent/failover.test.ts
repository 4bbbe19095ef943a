/**
 * Failover between the agent's servers on a manual clock: the next server when the one in use
 * fails or dies, unacked samples resent there, each server one try per round, and back to the
 * first (preferred) server once it is reachable again. The e2e side (real servers, a real agent):
 * test/e2e/failover.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { SampleBuffer } from '../../src/agent/buffer';
import { reachable } from '../../src/agent/failover';
import { AgentSession } from '../../src/agent/session';
import type { Link } from '../../src/agent/session';
import { loadConfig } from '../../src/config/load';
import { setLogLevel } from '../../src/util/log';
import { ManualClock } from '../manual-clock';

const A = 'ws://a.test/ws/agent';
const B = 'ws://b.test/ws/agent';
const RETRY_MS = 10_000;

class TestLink implements Link {
  readonly frames: string[] = [];
  open = true;
  bufferedAmount = 0;
  send(frame: string): void {
    this.frames.push(frame);
  }
  terminate(): void {
    this.open = false;
  }
  readThenRest(then?: () => void): void {
    then?.();
  }
  get seqs(): number[] {
    return this.frames
      .map((f) => JSON.parse(f) as { type: string; seq?: number })
      .filter((m) => m.type === 'sample')
      .map((m) => m.seq!);
  }
}

const HELLO = {
  type: 'hello' as const,
  protocol: 1,
  agentVersion: 'test',
  intervalMs: 1000,
  metrics: ['cpu'],
  host: { hostname: 'h', os: 'o', kernel: 'k', arch: 'x64', cpuModel: 'c', cores: 1, bootTime: 0 },
};

function harness(t: TestContext) {
  setLogLevel('error');
  const clock = new ManualClock();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'probe-failover-'));
  const buffer = new SampleBuffer(dir);
  const up = new Map([
    [A, true],
    [B, true],
  ]);
  const dials: { url: string; at: number; link: TestLink | null }[] = [];
  const checked: string[] = [];
  const session: AgentSession = new AgentSession({
    buffer,
    clock,
    hello: () => HELLO,
    intervalMs: 1000,
    url: A,
    fallbackUrls: [B],
    preferredRetryMs: RETRY_MS,
    reachable: async (url) => {
      checked.push(url);
      return up.get(url) === true;
    },
    random: () => 0,
    dial: (url) => {
      if (!up.get(url)) {
        dials.push({ url, at: clock.now(), link: null });
        session.closed(null);
        return;
      }
      const link = new TestLink();
      dials.push({ url, at: clock.now(), link });
      session.opened(link);
      session.received(JSON.stringify({ type: 'welcome', protocol: 1, serverVersion: 'test', node: 'n', ignoredMetrics: [] }));
    },
  });
  t.after(() => {
    session.stop();
    buffer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const sample = () => {
    const seq = buffer.nextSeq();
    const s = { seq, ts: clock.now(), text: JSON.stringify({ type: 'sample', seq, ts: clock.now(), values: [seq] }) };
    buffer.append(s, s.ts);
    session.send(s);
  };
  const last = () => dials.at(-1)!;
  /** The open link dies, as when its server is killed. */
  const kill = (url: string) => {
    up.set(url, false);
    const link = last().link!;
    link.open = false;
    session.closed(link);
  };
  return { clock, buffer, session, up, dials, checked, sample, last, kill };
}

test('the next server when the one in use dies; what it did not ack is sent there', async (t) => {
  const h = harness(t);
  h.session.start();
  assert.equal(h.last().url, A);
  for (let i = 0; i < 3; i++) h.sample();
  h.session.received(JSON.stringify({ type: 'ack', seq: 1 }));
  h.kill(A);
  h.sample();
  await h.clock.advance(1000);
  assert.equal(h.last().url, B, 'moved to the fallback within a second');
  await h.clock.advance(1000);
  assert.deepEqual(h.last().link!.seqs, [2, 3, 4], 'the unacked samples are backfilled on the fallback');
});

test('every server gets one try per round, and the delay grows round by round', async (t) => {
  const h = harness(t);
  h.up.set(A, false);
  h.up.set(B, false);
  h.session.start();
  await h.clock.advance(20_000);
  const urls = h.dials.map((d) => d.url);
  assert.deepEqual(urls.slice(0, 6), [A, B, A, B, A, B]);
  const gaps = h.dials.slice(1, 6).map((d, i) => d.at - h.dials[i]!.at);
  assert.deepEqual(gaps, [500, 500, 1000, 1000, 2000], 'backoff per round (random 0: half the ceiling)');
});

test('back to the preferred server once it is reachable, checked every preferredRetry', async (t) => {
  const h = harness(t);
  h.session.start();
  h.kill(A);
  await h.clock.advance(1000);
  assert.equal(h.last().url, B);
  await h.clock.advance(RETRY_MS);
  assert.deepEqual(h.checked, [A], 'checked once per preferredRetry');
  assert.equal(h.last().url, B, 'stays while the preferred one is down');
  h.up.set(A, true);
  h.sample();
  const onB = h.last().link!;
  await h.clock.advance(RETRY_MS);
  assert.equal(onB.open, false, 'the fallback link is dropped');
  h.session.closed(onB);
  await h.clock.advance(1000);
  assert.equal(h.last().url, A, 'back on the preferred server');
  await h.clock.advance(1000);
  assert.deepEqual(h.last().link!.seqs, [1], 'what the fallback had not acked goes to the preferred one');
  await h.clock.advance(3 * RETRY_MS);
  assert.equal(h.checked.length, 2, 'no more checks on the preferred server');
});

test('reachable: true for a listening port, false for a closed one', async (t) => {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  t.after(() => server.close());
  assert.equal(await reachable(`ws://127.0.0.1:${port}/ws/agent`), true);
  server.close();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(await reachable(`ws://127.0.0.1:${port}/ws/agent`), false);
});

test('config: several servers from a comma-separated value or a JSON array', (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'probe-failover-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'agent.json');
  writeFileSync(file, JSON.stringify({ agent: { server: ['wss://a.example', 'https://b.example/probe'] } }));
  assert.deepEqual(loadConfig({ file }).agent.servers, ['wss://a.example', 'https://b.example/probe']);
  assert.deepEqual(loadConfig({ env: { PROBE_SERVER: 'wss://a.example, wss://b.example:8443' } }).agent.servers, [
    'wss://a.example',
    'wss://b.example:8443',
  ]);
  assert.deepEqual(loadConfig({ env: { PROBE_PREFERRED_RETRY: '5s' } }).agent.preferredRetryMs, 5000);
});
