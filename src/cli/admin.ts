/**
 * @module `probe admin set-password`: the web admin's password, set from the shell, and with
 * `--reset-2fa` its second factor removed.
 */
import type { Command } from 'commander';
import type { Store } from '../store/store';
import { openSettingsFor } from './common';
import { addFlags, configOption } from './options';
import type { ParsedFlags } from './options';
import { readPassword } from './password-prompt';

export function addAdminCommands(program: Command): void {
  const command = program
    .command('admin')
    .description('The web admin at /admin.')
    .command('set-password')
    .description('Set the admin password (read from standard input, or asked for on a terminal); signs every session out.')
    .option('--reset-2fa', "remove the admin's second factor (TOTP) instead, keeping the password: for a lost phone");
  const settings = addFlags(command, ['server.data', configOption()]);
  command.action(async (flags: ParsedFlags & { config?: string; reset2fa?: boolean }) => {
    if (flags.reset2fa) return resetTwoFactor(await openSettingsFor(flags, settings(flags)));
    const password = await readPassword();
    const { hashPassword, setPasswordIn } = await import('../server/admin/auth');
    const hash = await hashPassword(password);
    const { store, done } = await openSettingsFor(flags, settings(flags));
    try {
      setPasswordIn(store, hash, Date.now());
    } finally {
      await done();
    }
    process.stdout.write('Admin password set. Sign in at /admin.\n');
  });
}

async function resetTwoFactor({ store, done }: { store: Store; done(): Promise<void> }): Promise<void> {
  const { resetSecondFactor } = await import('../server/admin/second-factor');
  const { AUDIT_KEEP } = await import('../server/admin/audit');
  try {
    const had = resetSecondFactor(store);
    store.addAudit(
      { ts: Date.now(), address: 'shell', action: 'second factor (TOTP) removed with probe admin set-password --reset-2fa' },
      AUDIT_KEEP,
    );
    process.stdout.write(
      had
        ? 'Second factor removed: sign in at /admin with the password alone, and set it up again there.\n'
        : 'No second factor was set up.\n',
    );
  } finally {
    await done();
  }
}
