/**
 * @module The `probe` command line and the executable's entry point: server | agent | node … |
 * backup | install | admin | notify | version, one file per command. Side effects start here.
 */
import { Command } from 'commander';
import { ProbeError } from '../util/errors';
import { VERSION } from '../version';
import { addAdminCommands } from './admin';
import { addAgentCommand } from './agent';
import { addBackupCommand } from './backup';
import { addInstallCommands } from './install';
import { addNodeCommands } from './node';
import { addNotifyCommands } from './notify';
import { addServerCommand } from './server';
import { addVersionCommand } from './version';

export function buildProgram(): Command {
  const program = new Command('probe')
    .description('Self-hosted server monitor: one executable for the server (status page, history, alerts) and the agents.')
    .version(VERSION, '-v, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)');
  // In the order `probe --help` lists them.
  for (const add of [
    addServerCommand,
    addAgentCommand,
    addNodeCommands,
    addBackupCommand,
    addInstallCommands,
    addAdminCommands,
    addNotifyCommands,
    addVersionCommand,
  ])
    add(program);
  return program;
}

/** Runs the command line; a ProbeError ends the process with its code: its exitCode, 2 for a config error, else 1. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof ProbeError) {
      process.stderr.write(`probe: ${err.code}: ${err.message}\n`);
      process.exit(err.exitCode ?? (err.code === 'PROBE_ERR_CONFIG' ? 2 : 1));
    }
    throw err;
  }
}

void main(process.argv);
