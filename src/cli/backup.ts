/**
 * @module `probe backup <file>`: an online copy of the database (restoring is putting it back in
 * place while the server is stopped, as the command prints).
 */
import path from 'node:path';
import type { Command } from 'commander';
import { configFrom } from './common';
import { addFlags, configOption } from './options';
import type { ParsedFlags } from './options';

export function addBackupCommand(program: Command): void {
  const command = program
    .command('backup <file>')
    .description('Copy the database to <file> while the server runs (SQLite online backup, checked before it is named <file>).');
  const settings = addFlags(command, ['server.data', configOption()]);
  command.action(async (file: string, flags: ParsedFlags & { config?: string }) => {
    const config = configFrom(flags, settings(flags));
    const { backupDatabase } = await import('../store/sqlite-store');
    const { bytes } = await backupDatabase(config.server.data, path.resolve(file));
    process.stdout.write(
      `Backed up ${path.join(config.server.data, 'probe.db')} to ${path.resolve(file)} (${(bytes / 1048576).toFixed(1)} MiB). ` +
        'Restore: stop the server, put it in place as probe.db (without -wal/-shm files), start.\n',
    );
  });
}
