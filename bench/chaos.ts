/**
 * bench:chaos: each production fault of issue 22 on the real binaries, one after another, each in
 * its own directory: clock (agent an hour ahead under faketime), step (the server's clock, then
 * the agent's, stepped back 90 s mid-run), disk (the server's data on a
 * full 48 MB tmpfs), blackhole (a link silent both ways for 60 s), latency (300 ± 200 ms), resets
 * (5 % of connections a second), segment (garbage over an agent buffer segment), storm (the
 * server SIGKILLed every 20 s for 5 minutes under 1 000 simulated agents). Prints per fault:
 * samples sent, stored, lost, doubled, seconds to recover; the last line is one JSON object.
 *
 *   npm run bench:chaos [-- --quick] [-- --only blackhole,storm]
 *
 * Needs root (mount for the tmpfs) and faketime (`apt-get install -y faketime`).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { killAll, log } from './children';
import type { FaultResult } from './chaos-rig';
import { blackhole, clock, disk, latency, resets, segment, step } from './chaos-faults';
import type { Fault } from './chaos-faults';
import { storm } from './chaos-storm';
import { cpuModel as cpuModelOf } from './proc-stats';

const FAULTS: Record<string, Fault> = { clock, step, disk, blackhole, latency, resets, segment, storm };

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } } });
const chosen = args.only ? args.only.split(',') : Object.keys(FAULTS);
for (const name of chosen) if (!FAULTS[name]) throw new Error(`unknown fault ${name}: one of ${Object.keys(FAULTS).join(', ')}`);

const cpuModel = cpuModelOf();

/** What a fault needs that may be missing: a reason to skip it, or null. */
function missing(name: string): string | null {
  if (name === 'disk' && process.getuid?.() !== 0) return 'needs root to mount a tmpfs';
  if (name === 'clock' || name === 'step') {
    try {
      execFileSync('faketime', ['-f', '+1h', 'true']);
    } catch {
      return 'needs faketime (apt-get install -y faketime)';
    }
  }
  return null;
}

async function main(): Promise<void> {
  log(`bench:chaos on ${cpuModel}, ${os.cpus().length} cores; ${args.quick ? 'quick' : 'full'} run of ${chosen.join(', ')}`);
  log('requirements: the built dist/probe, root (tmpfs mount), faketime (apt-get install -y faketime)');
  const results: (FaultResult | { fault: string; skipped: string })[] = [];
  for (const name of chosen) {
    const skip = missing(name);
    if (skip) {
      log(`${name}: skipped, ${skip}`);
      results.push({ fault: name, skipped: skip });
      continue;
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), `probe-chaos-${name}-`));
    try {
      const r = await FAULTS[name]!(dir, args.quick);
      log(
        `${name}: sent ${r.sent}, stored ${r.stored}, lost ${r.lost}, doubled ${r.doubled}, recovered in ${r.recoverSec === null ? 'never' : `${r.recoverSec.toFixed(1)} s`} (${r.note})`,
      );
      results.push(r);
    } catch (err) {
      log(`${name}: failed: ${(err as Error).message}`);
      results.push({ fault: name, skipped: `failed: ${(err as Error).message}` });
    } finally {
      killAll();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  process.stdout.write(`${JSON.stringify({ bench: 'chaos', cpuModel, cores: os.cpus().length, quick: args.quick, results })}\n`);
}

main().catch((err: unknown) => {
  killAll();
  log(String(err));
  process.exit(1);
});
