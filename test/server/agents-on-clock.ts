/**
 * @module The agent gateway alone on a real loopback socket, with a memory store and a
 * ManualClock: acks, silence and commits move only when a test advances the clock.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HelloMessage } from '../../src/protocol/messages';
import { AgentGateway } from '../../src/server/agents/agent-gateway';
import type { AgentGatewayOptions } from '../../src/server/agents/agent-gateway';
import { Hub } from '../../src/server/fleet/hub';
import { IngestQueue } from '../../src/server/agents/ingest-queue';
import { addNode } from '../../src/server/fleet/nodes';
import { createMemoryStore } from '../../src/store/memory-store';
import { waitFor } from '../helpers';
import { ManualClock } from '../manual-clock';
import { TestAgent, helloMessage } from './test-server';

const FLUSH_MS = 50;

export async function agentsOnClock(t: { after(fn: () => unknown): void }, options: Partial<AgentGatewayOptions> = {}) {
  // Real time, so the test agents' timestamps (Date.now()) are current for the parser.
  const clock = new ManualClock(Date.now());
  const store = createMemoryStore();
  const hub = new Hub([], { now: () => clock.now() });
  const queue = new IngestQueue(store, { flushMs: FLUSH_MS, maxQueued: 1000, clock });
  const gateway = new AgentGateway({ store, hub, queue, clock, ...options });
  const server = createServer();
  server.on('upgrade', (req, socket, head) => gateway.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    gateway.close();
    gateway.terminate();
    queue.close();
    server.close();
  });
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  /** Waits until the server has queued `n` samples not yet committed. */
  const received = (n: number) => waitFor(`${n} samples queued`, () => queue.length >= n);
  return {
    clock,
    store,
    hub,
    queue,
    gateway,
    received,
    /** A new node's agent, welcomed after its hello. */
    async connect(name: string, hello: Partial<HelloMessage> = {}): Promise<TestAgent> {
      const agent = new TestAgent(url, addNode(store, name, '', '', clock.now()).key);
      t.after(() => agent.close());
      await agent.opened;
      agent.send({ ...helloMessage(), ...hello });
      await waitFor(`${name} welcomed`, () => agent.of('welcome')[0]);
      return agent;
    },
    /** Waits until `n` samples are queued, then moves the clock to the flush that commits them. */
    async commit(n: number): Promise<void> {
      await received(n);
      await clock.advance(FLUSH_MS);
    },
    /**
     * Whether the connection is still open, known for sure: text that is not JSON gets an error
     * back on the same ordered socket, so whatever the server sent before it has arrived too.
     * (The server counts it as a message heard.)
     */
    async probe(agent: TestAgent): Promise<boolean> {
      const errors = agent.of('error').length;
      agent.send('probe');
      await waitFor('an answer or the close', () => agent.of('error').length > errors || agent.closeCode !== null);
      return agent.closeCode === null;
    },
  };
}
