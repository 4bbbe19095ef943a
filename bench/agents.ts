/**
 * Simulated agents for bench/ingest.ts, in their own process: one real WebSocket per node key,
 * protocol v1, one sample per second each at a random phase, in compact frames once the server's
 * welcome offers them (as the real agent does; --json keeps JSON frames). Prints JSON lines on stdout:
 * {"event":"connected","n":…} once all are up, {"event":"stats",…} when asked ("stats" on stdin).
 * Like the real agent, each keeps its unacknowledged samples (in memory), goes on sampling while
 * disconnected, reconnects with the agent's jittered backoff and resends them after the welcome.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { encodeCompact } from '../src/protocol/compact';
import type { Fields } from '../src/protocol/compact';
import { encodeSample } from '../src/protocol/encode';
import { backoffDelay } from '../src/agent/backoff';
import { metricStream } from './synthetic';

const { values: args } = parseArgs({ options: { url: { type: 'string' }, keys: { type: 'string' }, rate: { type: 'string', default: '500' }, json: { type: 'boolean', default: false } } });
const keys = readFileSync(args.keys!, 'utf8').trim().split('\n');
// The metrics the synthetic stream produces, sent in array form like the real agent.
const schema = Object.keys(metricStream(1)());
const SLOTS = 100;
/** Unacked samples kept per agent (an hour), like the real agent's bounded buffer. */
const MAX_PENDING = 3600;

interface Pending {
  seq: number;
  ts: number;
  values: Record<string, number>;
}

interface Agent {
  index: number;
  ws: WebSocket;
  next: () => Record<string, number>;
  seq: number;
  acked: number;
  open: boolean;
  /** Fields of the previous compact frame; null until the first, undefined while the server has not offered them. */
  compact?: Fields | null;
  /** Sent or taken while disconnected, not acked yet, oldest first. */
  pending: Pending[];
  attempt: number;
  /** From the server's welcome: samples wait up to this long for their ack. */
  ackIntervalMs: number;
}

const agents: Agent[] = [];
const slots: Agent[][] = Array.from({ length: SLOTS }, () => []);
let connected = 0;
let sent = 0;
let paused = false;

function connect(i: number): void {
  const agent = { index: i, next: metricStream(i + 1), seq: 0, acked: 0, open: false, pending: [], attempt: 0, ackIntervalMs: 5000 } as unknown as Agent;
  agents.push(agent);
  slots[i % SLOTS]!.push(agent);
  open(agent);
}

function open(agent: Agent): void {
  const ws = new WebSocket(args.url!, { headers: { Authorization: `Bearer ${keys[agent.index]}` }, perMessageDeflate: false });
  agent.ws = ws;
  ws.on('open', () => {
    ws.send(JSON.stringify({ type: 'hello', protocol: 1, agentVersion: 'bench', intervalMs: 1000, metrics: schema, host: { hostname: `bench-${agent.index}`, os: 'Bench', kernel: '6', arch: 'x64', cpuModel: 'bench', cores: 2, bootTime: 0 } }));
  });
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString()) as { type: string; seq?: number; compact?: boolean; ackIntervalMs?: number };
    if (msg.type === 'ack' && msg.seq! > agent.acked) {
      agent.acked = msg.seq!;
      let n = 0;
      while (n < agent.pending.length && agent.pending[n]!.seq <= agent.acked) n++;
      if (n) agent.pending.splice(0, n);
    }
    if (msg.type === 'welcome') {
      agent.compact = msg.compact && !args.json ? null : undefined;
      agent.attempt = 0;
      agent.ackIntervalMs = msg.ackIntervalMs ?? agent.ackIntervalMs;
      // Resend what was not acked, in order, before anything new, in the frames live samples use (as the agent does).
      for (const p of agent.pending) transmit(agent, p);
      if (!agent.open && ++connected === keys.length) process.stdout.write(JSON.stringify({ event: 'connected', n: connected }) + '\n');
      agent.open = true;
    }
  });
  ws.on('error', (err) => process.stderr.write(`agent ${agent.index}: ${err.message}\n`));
  ws.on('close', () => {
    if (agent.open) connected--;
    agent.open = false;
    setTimeout(() => open(agent), backoffDelay(agent.attempt++, Math.random()));
  });
}

// Connect at a bounded rate, like a fleet coming back after a server restart.
let index = 0;
const perTick = Math.max(1, Math.round(Number(args.rate) / 100));
const connector = setInterval(() => {
  for (let k = 0; k < perTick && index < keys.length; k++) connect(index++);
  if (index >= keys.length) clearInterval(connector);
}, 10);

// Every 10 ms one slot of agents sends: each agent once per second. Slots are due by the clock,
// not by counting timer ticks, which run late by the time each tick takes.
let slot = 0;
let due = Date.now();
setInterval(() => {
  if (paused) return;
  for (let now = Date.now(); due <= now; due += 10) {
    sendSlot(slots[slot]!);
    slot = (slot + 1) % SLOTS;
  }
}, 10);

function sendSlot(slotAgents: readonly Agent[]): void {
  for (const agent of slotAgents) {
    agent.seq++;
    const ts = Date.now();
    const values = agent.next();
    agent.pending.push({ seq: agent.seq, ts, values });
    if (agent.pending.length > MAX_PENDING) agent.pending.shift(); // the floor server never acks
    sent++;
    if (agent.open) transmit(agent, agent.pending.at(-1)!);
  }
}

function transmit(agent: Agent, p: Pending): void {
  if (agent.compact !== undefined) {
    const fields = [p.seq, p.ts, ...schema.map((name) => p.values[name] ?? null)];
    agent.ws.send(encodeCompact(agent.compact, fields));
    agent.compact = fields;
  } else {
    agent.ws.send(encodeSample(p.seq, p.ts, p.values, schema));
  }
}

process.stdin.on('data', (d) => {
  if (d.toString().includes('pause')) paused = true;
  // A network blip: every connection cut at once, without a close handshake.
  if (d.toString().includes('drop')) for (const agent of agents) agent.ws.terminate();
  if (d.toString().includes('stats')) {
    const acked = agents.reduce((s, a) => s + a.acked, 0);
    // Samples still unacked 3 s after their ack was due: the backlog a reconnect has to clear.
    const now = Date.now();
    const backlog = agents.reduce((s, a) => s + a.pending.filter((p) => p.ts < now - a.ackIntervalMs - 3000).length, 0);
    process.stdout.write(JSON.stringify({ event: 'stats', sent, acked, open: connected, backlog }) + '\n');
  }
});
process.on('SIGTERM', () => process.exit(0));
