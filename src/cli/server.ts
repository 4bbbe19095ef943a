/**
 * @module `probe server`: the status page, the agents' gateway, history and alerts in one process.
 */
import { setFlagsFromString } from 'node:v8';
import type { Command } from 'commander';
import { VERSION } from '../version';
import { configFrom, onStop } from './common';
import { addFlags, configOption } from './options';
import type { ParsedFlags } from './options';

/** The settings `probe server` takes as flags, in the order its help lists them. */
const FLAGS = ['server.listen', 'server.data', 'server.localAgent', 'server.title', 'server.tlsCert', 'server.tlsKey', 'server.trustProxy'];

export function addServerCommand(program: Command): void {
  const command = program.command('server').description('Run the server: agent gateway, SQLite history and the live status page.');
  const settings = addFlags(command, [...FLAGS, configOption(), 'log.level']);
  command.action(async (flags: ParsedFlags & { config?: string }) => {
    const config = configFrom(flags, settings(flags));
    // Collect old garbage sooner than V8's default (which lets the heap grow to ~4× what is live
    // when the process is busy): at 10 000 agents RSS stayed ~200 MB lower, for more frequent
    // full collections.
    // A flag V8 reads at each full collection, so it can be set now (the executable takes no node options).
    setFlagsFromString('--heap-growing-percent=30');
    const { runServer } = await import('../server/run-server');
    const server = await runServer(config);
    process.stdout.write(`probe ${VERSION} is running: open ${server.url}\n`);
    if (server.setupUrl)
      process.stdout.write(
        `No admin password yet. Choose one at ${server.setupUrl} (this link works once, until the next start), ` +
          'or run `probe admin set-password`.\n',
      );
    onStop(() => server.close());
    process.on('SIGHUP', () => server.reload());
  });
}
