/**
 * @module `probe notify test <channel>`: sends a test message through a channel of the config file.
 */
import type { Command } from 'commander';
import { ProbeError } from '../util/errors';
import { configFrom } from './common';
import type { ConfigFlags } from './common';
import { configOption } from './options';

export function addNotifyCommands(program: Command): void {
  program
    .command('notify')
    .description('Notification channels.')
    .command('test <channel>')
    .description('Send a test message through a channel from the config file.')
    .addOption(configOption())
    .action(async (channel: string, flags: ConfigFlags) => {
      const config = configFrom(flags, {});
      const target = config.channels[channel];
      if (!target) {
        const known = Object.keys(config.channels);
        throw new ProbeError(
          'PROBE_ERR_CONFIG',
          `no channel "${channel}" under "notifications" in the config file${known.length ? ` (known: ${known.join(', ')})` : ''}`,
        );
      }
      const { sendWithRetry, testMessage } = await import('../notify/notifier');
      const ok = await sendWithRetry(channel, target, testMessage(channel, config.server.publicUrl || '', Date.now()), {
        attempts: 1,
        baseDelayMs: 0,
      });
      if (!ok) throw new ProbeError('PROBE_ERR_NOTIFY', `the test message through "${channel}" failed (see the log line above)`);
      process.stdout.write(`Sent a test message through "${channel}".\n`);
    });
}
