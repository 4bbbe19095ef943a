/**
 * @module `probe agent`: collects this machine's stats and pushes them to the server.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Command } from 'commander';
import { ProbeError } from '../util/errors';
import { configFrom, onStop } from './common';
import { addFlags, configOption } from './options';
import type { ParsedFlags } from './options';

/** How often `probe agent` runs a full garbage collection (see below). */
const AGENT_GC_EVERY_MS = 5 * 60_000;

/** The settings `probe agent` takes as flags, in the order its help lists them. */
const FLAGS = ['agent.server', 'agent.key', 'agent.interval', 'agent.stateDir', 'agent.latencyTargets', 'agent.textfileDir', 'agent.ca'];

/** Tunes V8 for a process that runs a little code once a second. */
function tuneForAgent(): void {
  // The optimizing compiler would cost more (its code pages and compiled code) than it saves.
  // Measured with bench:agent: private memory 9.6 MB instead of 11.3 MB, CPU per sample 1.5 ms
  // instead of 1.8 ms.
  setFlagsFromString('--no-turbofan');
  // V8 only collects the old generation once it reaches a limit, and a process that allocates
  // as little as the agent takes hours to get there: over 45 minutes its RSS rose from 45 to
  // 51 MB while the live heap stayed the same (heap snapshots 12 minutes apart). A full
  // collection every few minutes (a few ms) keeps it flat. (`gc` is exposed to a new context
  // once the flag is set.)
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as () => void;
  setInterval(collect, AGENT_GC_EVERY_MS).unref();
}

export function addAgentCommand(program: Command): void {
  const command = program.command('agent').description("Run the agent: collect this machine's stats and push them to the server.");
  const settings = addFlags(command, [...FLAGS, configOption(), 'log.level']);
  command.action(async (flags: ParsedFlags & { config?: string }) => {
    const config = configFrom(flags, settings(flags));
    if (!config.agent.key)
      throw new ProbeError(
        'PROBE_ERR_CONFIG',
        'no key given: pass --key (or PROBE_KEY) with the key printed by `probe node add <name>` on the server',
      );
    tuneForAgent();
    const { runAgent } = await import('../agent/run-agent');
    const agent = runAgent({ ...config.agent, buffer: { maxBytes: config.agent.bufferMaxBytes, maxAgeMs: config.agent.bufferMaxAgeMs } });
    onStop(() => agent.stop());
  });
}
