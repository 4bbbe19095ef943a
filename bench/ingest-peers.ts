/**
 * @module The peers bench/ingest.ts measures on the same load: VictoriaMetrics fed the same values
 * over its import API, and a bare ws server that only receives the agents' frames (the floor).
 */
import path from 'node:path';
import { request, sleep } from './children';
import type { Child } from './children';
import { cpuSeconds } from './proc-stats';

/** The measured windows' lengths, how to start a process, and the benchmark's scratch directory. */
export interface Windows {
  warmupS: number;
  seconds: number;
  start: (command: string, argv: string[]) => Child;
  dir: string;
}

/**
 * After the warm-up, `receiver`'s CPU seconds over the measured window and how many items
 * `sender` (answering "stats" with {"sent":…}) sent in it; then stops both.
 */
export async function measureWindow(w: Windows, receiver: Child, sender: Child): Promise<{ cpu: number; sent: number }> {
  await sleep(w.warmupS * 1000);
  const before = await request(sender, /"stats"/);
  const cpu0 = cpuSeconds(receiver.pid!);
  await sleep(w.seconds * 1000);
  const cpu1 = cpuSeconds(receiver.pid!);
  const after = await request(sender, /"stats"/);
  sender.kill('SIGTERM');
  receiver.kill('SIGTERM');
  await sleep(1000);
  return { cpu: cpu1 - cpu0, sent: after.sent! - before.sent! };
}

/** VictoriaMetrics fed `nodes` nodes' values: its CPU seconds per million values. */
export async function measureVictoriaMetrics(w: Windows, nodes: number): Promise<number> {
  const port = 18_428 + Math.floor(Math.random() * 1000);
  const vm = w.start('/usr/bin/victoria-metrics', [
    `-storageDataPath=${path.join(w.dir, 'vm')}`,
    `-httpListenAddr=127.0.0.1:${port}`,
    '-loggerLevel=ERROR',
  ]);
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) break;
    } catch {
      if (i > 100) throw new Error('VictoriaMetrics did not start');
    }
    await sleep(100);
  }
  const feeder = w.start(process.execPath, [
    '--import',
    'tsx',
    path.join(import.meta.dirname, 'vm-feeder.ts'),
    '--url',
    `http://127.0.0.1:${port}`,
    '--nodes',
    String(nodes),
  ]);
  const { cpu, sent } = await measureWindow(w, vm, feeder);
  return (cpu / sent) * 1e6;
}

/** The same simulated agents against bench/ws-floor.ts: CPU per million samples of receiving alone. */
export async function measureFloor(w: Windows, startAgents: (url: string) => Child, connectMs: number): Promise<number> {
  const server = w.start(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'ws-floor.ts')]);
  const port = (JSON.parse(await server.waitLine(/"port"/, 15_000)) as { port: number }).port;
  const agentProc = startAgents(`ws://127.0.0.1:${port}/ws/agent`);
  await agentProc.waitLine(/"connected"/, connectMs);
  const { cpu, sent } = await measureWindow(w, server, agentProc);
  return (cpu / sent) * 1e6;
}
