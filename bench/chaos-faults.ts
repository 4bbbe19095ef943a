/**
 * @module bench:chaos's faults, one function each, every one on the real binaries in its own
 * directory: a clock an hour ahead (faketime), the server's and then the agent's clock stepped
 * back 90 s while they run (libfaketime reading its offset from a file), the server's disk full (a tmpfs filled with dd), a
 * black-holed link, latency, resets (test/fault-proxy.ts), a garbled agent buffer segment.
 * The restart storm is in chaos-storm.ts.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startFaultProxy } from '../test/fault-proxy';
import type { FaultOptions } from '../test/fault-proxy';
import { sleep } from './children';
import { addNodes, nodes, outOfOrder, startAgent, startServer, steppableClock, stop, tally, untilLive, waitErr } from './chaos-rig';
import type { FaultResult } from './chaos-rig';

export type Fault = (dir: string, quick: boolean) => Promise<FaultResult>;

/** An agent whose clock is an hour ahead: its values show at once, stamped at the server's time. */
export const clock: Fault = async (dir, quick) => {
  const data = path.join(dir, 'data');
  const [key] = addNodes(data, 1);
  const server = await startServer(dir, data);
  const agent = startAgent(dir, server.port, key!, path.join(dir, 'agent'), ['faketime', '-f', '+1h']);
  const recoverSec = await untilLive(server.base, 30_000);
  await sleep(quick ? 10_000 : 30_000);
  const [node] = await nodes(server.base);
  const skew = Math.round(((node?.lastSeen ?? 0) - Date.now()) / 1000);
  await stop(agent, server.child);
  return {
    fault: 'clock',
    ...tally(data),
    recoverSec,
    note: `agent under faketime +1h; newest sample stamped ${skew} s from the server's clock`,
  };
};

/**
 * The server's clock stepped back 90 s mid-run, then the agent's (NTP correcting them): every
 * sample once, none stamped at or before the one before it, the node live throughout.
 */
export const step: Fault = async (dir, quick) => {
  const data = path.join(dir, 'data');
  const [key] = addNodes(data, 1);
  const serverClock = path.join(dir, 'server-clock');
  const agentClock = path.join(dir, 'agent-clock');
  const server = await startServer(dir, data, 0, [], steppableClock(serverClock));
  const agent = startAgent(dir, server.port, key!, path.join(dir, 'agent'), [], steppableClock(agentClock));
  await untilLive(server.base, 30_000);
  const phase = quick ? 5000 : 15_000;
  await sleep(phase);
  writeFileSync(serverClock, '-90\n');
  let offline = 0;
  const watch = async (ms: number) => {
    for (const t0 = Date.now(); Date.now() - t0 < ms; await sleep(250)) if ((await nodes(server.base)).some((n) => !n.online)) offline++;
  };
  await watch(phase);
  writeFileSync(agentClock, '-90\n');
  await watch(phase);
  // untilLive compares with this process's clock, which the server's eased time is behind: here
  // "back" is the next sample after the watch.
  const seen = (await nodes(server.base))[0]?.lastSeen ?? 0;
  const t0 = Date.now();
  while (((await nodes(server.base))[0]?.lastSeen ?? 0) <= seen && Date.now() - t0 < 30_000) await sleep(50);
  const recoverSec = (Date.now() - t0) / 1000;
  await sleep(1500);
  await stop(agent, server.child);
  const disordered = outOfOrder(data);
  return {
    fault: 'step',
    ...tally(data),
    recoverSec,
    note: `server clock stepped back 90 s, then the agent's; ${disordered} samples stamped out of order; ${offline} looks saw it offline`,
  };
};

/** A link through the fault proxy with `fault` for `seconds`, `agents` real agents. */
async function linkFault(
  dir: string,
  name: string,
  fault: FaultOptions,
  seconds: number,
  agents: number,
  note: string,
): Promise<FaultResult> {
  const data = path.join(dir, 'data');
  const keys = addNodes(data, agents);
  const server = await startServer(dir, data);
  const proxy = await startFaultProxy(server.port);
  const procs = keys.map((key, i) => startAgent(dir, proxy.port, key, path.join(dir, `agent-${i}`)));
  await untilLive(server.base, 30_000);
  await sleep(3000);
  proxy.set(fault);
  let offlineAt: number | null = null;
  const t0 = Date.now();
  while (Date.now() - t0 < seconds * 1000) {
    if (offlineAt === null && (await nodes(server.base)).some((n) => !n.online)) offlineAt = Date.now() - t0;
    await sleep(200);
  }
  proxy.set({});
  const recoverSec = await untilLive(server.base, 60_000);
  await sleep(3000);
  await stop(...procs);
  await stop(server.child);
  proxy.close();
  const shown = offlineAt === null ? 'never shown offline' : `shown offline after ${(offlineAt / 1000).toFixed(1)} s`;
  return {
    fault: name,
    ...tally(data),
    recoverSec,
    note: `${note}; ${shown}; ${proxy.stats.resets} resets of ${proxy.stats.connections} connections`,
  };
}

export const blackhole: Fault = (dir, quick) =>
  linkFault(dir, 'blackhole', { blackhole: true }, quick ? 10 : 60, 1, `no FIN, no RST for ${quick ? 10 : 60} s`);
export const latency: Fault = (dir, quick) =>
  linkFault(dir, 'latency', { latencyMs: 300, jitterMs: 200 }, quick ? 15 : 60, 1, '300 ± 200 ms each way');
export const resets: Fault = (dir, quick) =>
  linkFault(dir, 'resets', { resetPerSecond: 0.05 }, quick ? 20 : 60, quick ? 3 : 10, '5 % of connections reset a second');

/** The server's data on a 48 MB tmpfs, filled with dd for a while, then freed. */
export const disk: Fault = async (dir, quick) => {
  const mnt = path.join(dir, 'mnt');
  execFileSync('mkdir', ['-p', mnt]);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48m', 'tmpfs', mnt]);
  try {
    const data = path.join(mnt, 'data');
    const [key] = addNodes(data, 1);
    const server = await startServer(dir, data);
    const agent = startAgent(dir, server.port, key!, path.join(dir, 'agent'));
    await untilLive(server.base, 30_000);
    await sleep(3000);
    try {
      execFileSync('dd', ['if=/dev/zero', `of=${path.join(mnt, 'filler')}`, 'bs=64k'], { stdio: 'pipe' });
    } catch {
      // No space left: the point.
    }
    await sleep(quick ? 10_000 : 25_000);
    const degraded = (await fetch(`${server.base}/healthz`)).status;
    const reconnects = agent.errLines.filter((l) => /connected to server/.test(l)).length - 1;
    execFileSync('rm', [path.join(mnt, 'filler')]);
    const t0 = Date.now();
    while ((await fetch(`${server.base}/healthz`)).status !== 200 && Date.now() - t0 < 60_000) await sleep(100);
    const recoverSec = (Date.now() - t0) / 1000;
    await sleep(3000);
    await stop(agent, server.child);
    const problems = tally(data);
    return {
      fault: 'disk',
      ...problems,
      recoverSec,
      note: `48 MB tmpfs full for ${quick ? 10 : 25} s: /healthz ${degraded} while full, agent reconnects ${reconnects}`,
    };
  } finally {
    execFileSync('umount', ['-l', mnt]);
  }
};

/** Garbage over a quarter of the agent's buffer segment while the server is away; the rest is backfilled. */
export const segment: Fault = async (dir, quick) => {
  const data = path.join(dir, 'data');
  const [key] = addNodes(data, 1);
  let server = await startServer(dir, data);
  const state = path.join(dir, 'agent');
  let agent = startAgent(dir, server.port, key!, state);
  await untilLive(server.base, 30_000);
  const port = server.port;
  await stop(server.child);
  await sleep(quick ? 8000 : 30_000);
  await stop(agent);
  const file = path.join(
    state,
    readdirSync(state)
      .filter((n) => n.endsWith('.seg'))
      .sort((a, b) => parseInt(b, 10) - parseInt(a, 10))[0]!,
  );
  const bytes = readFileSync(file);
  for (let i = Math.floor(bytes.length * 0.4); i < Math.floor(bytes.length * 0.65); i++) bytes[i] = 0x7a;
  writeFileSync(file, bytes);
  server = await startServer(dir, data, port);
  agent = startAgent(dir, port, key!, state);
  const t0 = Date.now();
  await waitErr(agent, /backfill done/, 60_000);
  const recoverSec = (Date.now() - t0) / 1000;
  const warned = agent.errLines.find((l) => /skipped|unreadable/.test(l)) ?? 'no warning';
  await sleep(2000);
  await stop(agent, server.child);
  return {
    fault: 'segment',
    ...tally(data),
    recoverSec,
    note: `a quarter of a segment garbled; agent: ${warned.replace(/^\S+ \S+\s+/, '').slice(0, 120)}`,
  };
};
