/**
 * Simulated agents for bench/ingest.ts, in their own process: one real WebSocket per node key,
 * protocol v1, one sample per second each at a random phase, in compact frames once the server's
 * welcome offers them (as the real agent does; --json keeps JSON frames). Prints JSON lines on stdout:
 * {"event":"connected","n":…} once all are up, {"event":"stats",…} when told to stop (SIGTERM).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { encodeCompact } from '../src/protocol/compact';
import type { Fields } from '../src/protocol/compact';
import { encodeSample } from '../src/protocol/encode';
import { metricStream } from './synthetic';

const { values: args } = parseArgs({ options: { url: { type: 'string' }, keys: { type: 'string' }, rate: { type: 'string', default: '500' }, json: { type: 'boolean', default: false } } });
const keys = readFileSync(args.keys!, 'utf8').trim().split('\n');
// The metrics the synthetic stream produces, sent in array form like the real agent.
const schema = Object.keys(metricStream(1)());
const SLOTS = 100;

interface Agent {
  ws: WebSocket;
  next: () => Record<string, number>;
  seq: number;
  acked: number;
  open: boolean;
  /** Fields of the previous compact frame; null until the first, undefined while the server has not offered them. */
  compact?: Fields | null;
}

const agents: Agent[] = [];
const slots: Agent[][] = Array.from({ length: SLOTS }, () => []);
let connected = 0;
let sent = 0;
let paused = false;

function connect(i: number): void {
  const ws = new WebSocket(args.url!, { headers: { Authorization: `Bearer ${keys[i]}` }, perMessageDeflate: false });
  const agent: Agent = { ws, next: metricStream(i + 1), seq: 0, acked: 0, open: false };
  agents.push(agent);
  ws.on('open', () => {
    ws.send(JSON.stringify({ type: 'hello', protocol: 1, agentVersion: 'bench', intervalMs: 1000, metrics: schema, host: { hostname: `bench-${i}`, os: 'Bench', kernel: '6', arch: 'x64', cpuModel: 'bench', cores: 2, bootTime: 0 } }));
    agent.open = true;
    slots[i % SLOTS]!.push(agent);
    if (++connected === keys.length) process.stdout.write(JSON.stringify({ event: 'connected', n: connected }) + '\n');
  });
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString()) as { type: string; seq?: number };
    if (msg.type === 'ack' && msg.seq! > agent.acked) agent.acked = msg.seq!;
    if (msg.type === 'welcome' && (msg as { compact?: boolean }).compact && !args.json) agent.compact = null;
  });
  ws.on('error', (err) => process.stderr.write(`agent ${i}: ${err.message}\n`));
  ws.on('close', () => (agent.open = false));
}

// Connect at a bounded rate, like a fleet coming back after a server restart.
let index = 0;
const perTick = Math.max(1, Math.round(Number(args.rate) / 100));
const connector = setInterval(() => {
  for (let k = 0; k < perTick && index < keys.length; k++) connect(index++);
  if (index >= keys.length) clearInterval(connector);
}, 10);

// Every 10 ms one slot of agents sends: each agent once per second.
let slot = 0;
setInterval(() => {
  if (paused) return;
  for (const agent of slots[slot]!) {
    if (!agent.open) continue;
    agent.seq++;
    const values = agent.next();
    if (agent.compact !== undefined) {
      const fields = [agent.seq, Date.now(), ...schema.map((name) => values[name] ?? null)];
      agent.ws.send(encodeCompact(agent.compact, fields));
      agent.compact = fields;
    } else {
      agent.ws.send(encodeSample(agent.seq, Date.now(), values, schema));
    }
    sent++;
  }
  slot = (slot + 1) % SLOTS;
}, 10);

process.stdin.on('data', (d) => {
  if (d.toString().includes('pause')) paused = true;
  if (d.toString().includes('stats')) {
    const acked = agents.reduce((s, a) => s + a.acked, 0);
    process.stdout.write(JSON.stringify({ event: 'stats', sent, acked, open: agents.filter((a) => a.open).length }) + '\n');
  }
});
process.on('SIGTERM', () => process.exit(0));
