/**
 * @module `probe version`: the version, the Node it runs on, its target and the roles it carries.
 */
import type { Command } from 'commander';
import { buildInfo } from '../util/build-info';
import { VERSION } from '../version';

export function addVersionCommand(program: Command): void {
  program
    .command('version')
    .description('Print the version.')
    .action(() => {
      const roles = buildInfo.server ? 'server and agent' : 'agent only';
      process.stdout.write(`probe ${VERSION} (node ${process.version}, ${buildInfo.target}, ${roles})\n`);
    });
}
