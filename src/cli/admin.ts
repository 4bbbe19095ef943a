/**
 * @module `probe admin set-password`: the web admin's password, set from the shell.
 */
import type { Command } from 'commander';
import { openStoreFor } from './common';
import { addFlags, configOption } from './options';
import type { ParsedFlags } from './options';
import { readPassword } from './password-prompt';

export function addAdminCommands(program: Command): void {
  const command = program
    .command('admin')
    .description('The web admin at /admin.')
    .command('set-password')
    .description('Set the admin password (read from standard input, or asked for on a terminal); signs every session out.');
  const settings = addFlags(command, ['server.data', configOption()]);
  command.action(async (flags: ParsedFlags & { config?: string }) => {
    const password = await readPassword();
    const { hashPassword, setPasswordIn } = await import('../server/admin/auth');
    const hash = await hashPassword(password);
    const { store } = await openStoreFor(flags, settings(flags));
    try {
      setPasswordIn(store, hash, Date.now());
    } finally {
      store.close();
    }
    process.stdout.write('Admin password set. Sign in at /admin.\n');
  });
}
