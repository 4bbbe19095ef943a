/**
 * Simulated agents for the end-to-end tests: bench/agents.ts with a file of node keys, sending a
 * sample a second each, its counts on request. It runs bundled by esbuild (a tenth of a second)
 * rather than through tsx (about half a second of CPU more at each start, on a busy suite).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '..');

/** bench/agents.ts as one file under dist/ (so its npm imports resolve), private to this process. */
async function bundledAgents(): Promise<string> {
  const dir = path.join(ROOT, 'dist/test-scripts');
  mkdirSync(dir, { recursive: true });
  const outfile = path.join(dir, `agents-${process.pid}.mjs`);
  await build({
    entryPoints: [path.join(ROOT, 'bench/agents.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  return outfile;
}

export interface FleetStats {
  sent: number;
  acked: number;
  open: number;
  backlog: number;
}

/** Starts the agents for `keys` against the server on `port`; `dir` holds the key file. */
export async function startFleet(dir: string, port: string, keys: string[]) {
  const keysFile = path.join(dir, 'fleet-keys.txt');
  writeFileSync(keysFile, keys.join('\n'));
  const script = await bundledAgents();
  const child = spawn(process.execPath, [script, '--url', `ws://127.0.0.1:${port}/ws/agent`, '--keys', keysFile], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
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
    stop: () => {
      child.kill('SIGKILL');
      rmSync(script, { force: true });
    },
  };
}
