/**
 * @module bench:chaos's restart storm: the server killed with SIGKILL every `every` seconds while
 * simulated agents (bench/agents.ts, one WebSocket each, one sample a second) report; then how
 * long the fleet takes to settle after the last kill (every agent back, nothing unacked left
 * behind), and whether every sample is stored exactly once.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { log, request, sleep, start } from './children';
import { addNodes, startServer, stop, tally } from './chaos-rig';
import type { FaultResult } from './chaos-rig';

export async function storm(dir: string, quick: boolean): Promise<FaultResult> {
  const agents = quick ? 50 : 1000;
  const kills = quick ? 3 : 15;
  const everyMs = quick ? 10_000 : 20_000;
  const data = path.join(dir, 'data');
  const keys = addNodes(data, agents, 'storm');
  const keysFile = path.join(dir, 'keys.txt');
  writeFileSync(keysFile, keys.join('\n'));
  let server = await startServer(dir, data);
  const port = server.port;
  const sim = start(
    process.execPath,
    ['--import', 'tsx', path.join(import.meta.dirname, 'agents.ts'), '--url', `ws://127.0.0.1:${port}/ws/agent`, '--keys', keysFile],
    { cwd: path.resolve(import.meta.dirname, '..') },
  );
  await sim.waitLine(/"event":"connected"/, 120_000);
  for (let k = 1; k <= kills; k++) {
    await sleep(everyMs);
    server.child.kill('SIGKILL');
    await new Promise((r) => server.child.once('exit', r));
    log(`  kill ${k}/${kills}`);
    server = await startServer(dir, data, port);
  }
  // Settled: every agent connected and nothing older than its ack interval + 3 s left unacked.
  const t0 = Date.now();
  let recoverSec: number | null = null;
  while (Date.now() - t0 < 180_000) {
    const s = await request(sim, /"event":"stats"/);
    if (s.open === agents && s.backlog === 0) {
      recoverSec = (Date.now() - t0) / 1000;
      break;
    }
    await sleep(500);
  }
  sim.stdin!.write('pause\n');
  // What was sent last gets its ack (the ack interval is 1 s at this size, 5 s beyond 1 000).
  let final = await request(sim, /"event":"stats"/);
  for (let i = 0; i < 40 && final.acked < final.sent; i++) {
    await sleep(500);
    final = await request(sim, /"event":"stats"/);
  }
  await stop(sim);
  await stop(server.child);
  const counts = tally(data);
  return {
    fault: 'storm',
    ...counts,
    sent: final.sent!,
    lost: final.sent! - counts.stored,
    recoverSec,
    note: `${agents} simulated agents, SIGKILL every ${everyMs / 1000} s, ${kills} kills; settled = all reconnected, no backlog`,
  };
}
