/**
 * Simulated agents for bench/ingest.ts, in their own process: one real WebSocket per node key,
 * protocol v1, one sample per second each at its own phase, in compact frames once the server's
 * welcome offers them (as the real agent does; --json keeps JSON frames). Prints JSON lines on stdout:
 * {"event":"connected","n":…} once all are up, {"event":"stats",…} when asked ("stats" on stdin).
 * Like the real agent, each keeps its unacknowledged samples (in memory), goes on sampling while
 * disconnected, reconnects with the agent's jittered backoff and resends them after the welcome.
 * With several servers (`--url a,b`), like the agent, each tries the next after a connection
 * failed or died (the first again after the last), backing off per round of the list.
 * It shares the cores with the server it loads, so it is made cheap: frames come pre-encoded
 * (frame-book.ts), one timer sends every agent due, and a sample allocates nothing of its own.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { backoffDelay } from '../src/agent/backoff';
import { FrameBook } from './frame-book';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' },
    keys: { type: 'string' },
    rate: { type: 'string', default: '500' },
    json: { type: 'boolean', default: false },
  },
});
const keys = readFileSync(args.keys!, 'utf8').trim().split('\n');
const urls = args.url!.split(',');
/** Distinct value streams, and how many seconds of each: agents on one stream start at different steps. */
const book = new FrameBook(64, 600);
const TICK_MS = 10;
const SLOTS = 1000 / TICK_MS;
/** Unacked samples kept per agent (an hour), like the real agent's bounded buffer. */
const MAX_PENDING = 3600;
const TEXT = { binary: false } as const;

interface Agent {
  index: number;
  ws: WebSocket;
  stream: number;
  /** Step of the stream at seq 0: sample `seq` sends step (offset + seq) % steps. */
  offset: number;
  /** The last seq taken. */
  seq: number;
  acked: number;
  open: boolean;
  /**
   * The ts of each sample not acked yet from `head` on (sent, or taken while disconnected);
   * they are the last seqs taken, so the one at `head` has seq `seq - (tss.length - head) + 1`.
   */
  tss: number[];
  head: number;
  /** Whether the server offered compact frames on this connection. */
  compact: boolean;
  /** Seq and ts of the last compact frame on this connection (-1: none yet). */
  lastSeq: number;
  lastTs: number;
  attempt: number;
  /** Which of `urls` it connects to. */
  server: number;
  /** From the server's welcome: samples wait up to this long for their ack. */
  ackIntervalMs: number;
}

const agents: Agent[] = [];
const slots: Agent[][] = Array.from({ length: SLOTS }, () => []);
let connected = 0;
let sent = 0;
let transmitted = 0;
let paused = false;
/** Since the last stats: the latest a slot went out after it was due, and how many went 50 ms late or more. */
let lateMaxMs = 0;
let lateSlots = 0;

function connect(i: number): void {
  const agent: Agent = {
    index: i,
    ws: null as unknown as WebSocket,
    stream: i % book.streams,
    offset: (Math.floor(i / book.streams) * 37) % book.steps,
    seq: 0,
    acked: 0,
    open: false,
    tss: [],
    head: 0,
    compact: false,
    lastSeq: -1,
    lastTs: 0,
    attempt: 0,
    server: 0,
    ackIntervalMs: 5000,
  };
  agents.push(agent);
  slots[i % SLOTS]!.push(agent);
  open(agent);
}

function open(agent: Agent): void {
  const ws = new WebSocket(urls[agent.server]!, { headers: { Authorization: `Bearer ${keys[agent.index]}` }, perMessageDeflate: false });
  agent.ws = ws;
  ws.on('open', () => {
    ws.send(
      JSON.stringify({
        type: 'hello',
        protocol: 1,
        agentVersion: 'bench',
        intervalMs: 1000,
        metrics: book.schema,
        host: { hostname: `bench-${agent.index}`, os: 'Bench', kernel: '6', arch: 'x64', cpuModel: 'bench', cores: 2, bootTime: 0 },
      }),
    );
  });
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString()) as { type: string; seq?: number; compact?: boolean; ackIntervalMs?: number };
    if (msg.type === 'ack' && msg.seq! > agent.acked) onAck(agent, msg.seq!);
    if (msg.type === 'welcome') {
      agent.compact = Boolean(msg.compact) && !args.json;
      agent.lastSeq = -1;
      agent.attempt = 0;
      agent.ackIntervalMs = msg.ackIntervalMs ?? agent.ackIntervalMs;
      // Resend what was not acked, in order, before anything new, in the frames live samples use (as the agent does).
      const first = agent.seq - (agent.tss.length - agent.head) + 1;
      for (let k = agent.head; k < agent.tss.length; k++) transmit(agent, first + k - agent.head, agent.tss[k]!);
      if (!agent.open && ++connected === keys.length) process.stdout.write(`${JSON.stringify({ event: 'connected', n: connected })}\n`);
      agent.open = true;
    }
  });
  ws.on('error', (err) => process.stderr.write(`agent ${agent.index}: ${err.message}\n`));
  ws.on('close', () => {
    if (agent.open) connected--;
    agent.open = false;
    agent.server = (agent.server + 1) % urls.length;
    setTimeout(() => open(agent), backoffDelay(Math.floor(agent.attempt++ / urls.length), Math.random()));
  });
}

function onAck(agent: Agent, seq: number): void {
  agent.acked = seq;
  const first = agent.seq - (agent.tss.length - agent.head) + 1;
  agent.head += Math.max(0, Math.min(agent.tss.length - agent.head, seq - first + 1));
  dropAcked(agent);
}

/** Forgets the ts of acked samples once they are half the array (moving the rest down, no new array). */
function dropAcked(agent: Agent): void {
  const { tss } = agent;
  if (agent.head === tss.length) {
    tss.length = 0;
    agent.head = 0;
  } else if (agent.head > 64 && agent.head * 2 > tss.length) {
    tss.copyWithin(0, agent.head);
    tss.length -= agent.head;
    agent.head = 0;
  }
}

// Connect at a bounded rate, like a fleet coming back after a server restart.
let index = 0;
const perTick = Math.max(1, Math.round(Number(args.rate) / 100));
const connector = setInterval(() => {
  for (let k = 0; k < perTick && index < keys.length; k++) connect(index++);
  if (index >= keys.length) clearInterval(connector);
}, 10);

// One timer for every agent: each tick, the slots due send, each agent once per second, the
// phases spread evenly over the second. Slots are due by the clock, not by counting ticks,
// which run late by the time each tick takes.
let slot = 0;
let due = Date.now();
setInterval(() => {
  if (paused) return;
  for (let now = Date.now(); due <= now; due += TICK_MS) {
    const late = now - due;
    if (late > lateMaxMs) lateMaxMs = late;
    if (late >= 50) lateSlots++;
    sendSlot(slots[slot]!, now);
    slot = (slot + 1) % SLOTS;
  }
}, TICK_MS);

function sendSlot(slotAgents: readonly Agent[], ts: number): void {
  for (const agent of slotAgents) {
    agent.seq++;
    agent.tss.push(ts);
    // The floor server never acks: keep the newest hour.
    if (agent.tss.length - agent.head > MAX_PENDING) agent.head++;
    dropAcked(agent);
    sent++;
    if (agent.open) transmit(agent, agent.seq, ts);
  }
}

function transmit(agent: Agent, seq: number, ts: number): void {
  const step = (agent.offset + seq) % book.steps;
  if (!agent.compact) agent.ws.send(book.json(agent.stream, step, seq, ts));
  else if (agent.lastSeq === seq - 1) agent.ws.send(book.relative(agent.stream, step, ts - agent.lastTs), TEXT);
  else agent.ws.send(book.absolute(agent.stream, step, seq, ts));
  agent.lastSeq = seq;
  agent.lastTs = ts;
  transmitted++;
}

process.stdin.on('data', (d) => {
  if (d.toString().includes('pause')) paused = true;
  // A network blip: every connection cut at once, without a close handshake.
  if (d.toString().includes('drop')) for (const agent of agents) agent.ws.terminate();
  if (d.toString().includes('stats')) {
    const acked = agents.reduce((s, a) => s + a.acked, 0);
    // Samples still unacked 3 s after their ack was due: the backlog a reconnect has to clear.
    const now = Date.now();
    let backlog = 0;
    for (const a of agents) for (let k = a.head; k < a.tss.length; k++) if (a.tss[k]! < now - a.ackIntervalMs - 3000) backlog++;
    process.stdout.write(
      `${JSON.stringify({ event: 'stats', sent, transmitted, acked, open: connected, backlog, lateMaxMs, lateSlots })}\n`,
    );
    lateMaxMs = 0;
    lateSlots = 0;
  }
});
process.on('SIGTERM', () => process.exit(0));
// The process driving the fleet is gone (a test that ended without stopping it): so is the fleet.
process.stdin.on('end', () => process.exit(0));
