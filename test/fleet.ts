/**
 * Simulated agents for the end-to-end tests: bench/agents.ts with a file of node keys, sending a
 * sample a second each, its counts on request.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = path.resolve(import.meta.dirname, '..');

export interface FleetStats {
  sent: number;
  acked: number;
  open: number;
  backlog: number;
}

/** Starts the agents for `keys` against the server on `port`; `dir` holds the key file. */
export function startFleet(dir: string, port: string, keys: string[]) {
  const keysFile = path.join(dir, 'fleet-keys.txt');
  writeFileSync(keysFile, keys.join('\n'));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'bench/agents.ts'), '--url', `ws://127.0.0.1:${port}/ws/agent`, '--keys', keysFile],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const waiting: ((s: FleetStats) => void)[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.includes('"event":"stats"')) waiting.shift()?.(JSON.parse(line) as FleetStats);
  });
  return {
    stats: () =>
      new Promise<FleetStats>((resolve) => {
        waiting.push(resolve);
        child.stdin.write('stats\n');
      }),
    pause: () => child.stdin.write('pause\n'),
    stop: () => child.kill('SIGKILL'),
  };
}
