/**
 * @module bench/ingest.ts --drop and --restart: how long the simulated fleet takes to come back
 * after its connections were cut or the server was killed, and what the server spends meanwhile.
 */
import type { ChildProcess } from 'node:child_process';
import { log, request, sleep } from './children';
import type { Child } from './children';
import { cpuSeconds, rssMB } from './proc-stats';

export interface Recovery {
  /** From the restarted server's first line to every agent welcomed again. */
  reconnectedS: number;
  /** From the restarted server's first line to no agent holding a sample unacked 3 s after its ack was due. */
  caughtUpS: number;
  backlogAtStart: number;
  cores: number;
  peakRssMB: number;
}

/** kill -9 the server, wait `downS` seconds, start it again and time how the fleet comes back. */
export async function restart(
  old: Child,
  startAgain: () => Child,
  agentProc: Child,
  agents: number,
  downS: number,
): Promise<[Child, Recovery]> {
  log(`restart: kill -9 the server, start it again after ${downS} s`);
  old.kill('SIGKILL');
  await new Promise((r) => old.once('exit', r));
  await sleep(downS * 1000);
  const server = startAgain();
  await server.waitLine(/open http/, 60_000);
  return [server, await recover(server, agentProc, agents, 'restart')];
}

/** Polls the agents until every one is back and caught up; times it and the server's cost meanwhile. */
export async function recover(server: ChildProcess, agentProc: Child, agents: number, what: string): Promise<Recovery> {
  const t0 = Date.now();
  const cpu0 = cpuSeconds(server.pid!);
  let backlogAtStart = -1;
  let reconnectedS = NaN;
  let peakRssMB = 0;
  for (;;) {
    const stats = await request(agentProc, /"stats"/);
    if (backlogAtStart < 0) backlogAtStart = stats.backlog!;
    const elapsed = (Date.now() - t0) / 1000;
    peakRssMB = Math.max(peakRssMB, rssMB(server.pid!));
    if (Number.isNaN(reconnectedS) && stats.open === agents) reconnectedS = elapsed;
    if (stats.open === agents && stats.backlog === 0) {
      const recovery = { reconnectedS, caughtUpS: elapsed, backlogAtStart, cores: (cpuSeconds(server.pid!) - cpu0) / elapsed, peakRssMB };
      log(
        `${what}: all ${agents} agents back after ${reconnectedS.toFixed(1)} s, backlog of ${backlogAtStart} samples cleared after ${elapsed.toFixed(1)} s (${recovery.cores.toFixed(2)} cores, peak RSS ${peakRssMB.toFixed(0)} MB)`,
      );
      return recovery;
    }
    if (elapsed > 300) throw new Error(`${what}: not recovered after 300 s: ${JSON.stringify(stats)}`);
    await sleep(500);
  }
}
