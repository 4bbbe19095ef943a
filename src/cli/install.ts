/**
 * @module `probe install agent|server`: this executable as a service that starts at boot. The
 * flags are settings; the service's environment file (or agent.json) gets their PROBE_* names.
 */
import path from 'node:path';
import { Option } from 'commander';
import type { Command } from 'commander';
import { loadConfig } from '../config/load';
import type { RawSettings } from '../config/load';
import { toEnv } from '../config/settings';
import type { Role } from '../install/units';
import { addFlags } from './options';
import type { ParsedFlags } from './options';

interface InstallFlags extends ParsedFlags {
  bin: string;
  root: string;
  start: boolean;
  uninstall?: boolean;
  config?: string;
}

/** The options of both roles, after the settings. */
const serviceOptions = (): Option[] => [
  new Option('--bin <path>', 'where the executable goes').default('/usr/local/bin/probe'),
  new Option('--root <dir>', 'write everything under this directory instead of / (for packaging)').default('/'),
  new Option('--no-start', 'write the files only; do not run systemctl'),
  new Option('--uninstall', 'stop and disable the service, remove its unit and environment file'),
];

async function runInstall(role: Role, flags: InstallFlags, env: Record<string, string | undefined>): Promise<void> {
  const { install } = await import('../install/install');
  const result = install({ role, bin: flags.bin, root: flags.root, start: flags.start, uninstall: flags.uninstall === true, env });
  process.stdout.write(`${result.lines.join('\n')}\n`);
}

/** `probe install <role>` with these settings as flags; `extra` options come between them and the service's. */
function addRole(
  install: Command,
  role: Role,
  description: string,
  keys: string[],
  extra: Option[],
  run: (flags: InstallFlags, settings: RawSettings) => Promise<void>,
): void {
  const command = install.command(role).description(description);
  const settings = addFlags(command, [...keys, ...extra, ...serviceOptions()], 'install');
  command.action((flags: InstallFlags) => run(flags, settings(flags)));
}

export function addInstallCommands(program: Command): void {
  const install = program
    .command('install')
    .description(
      'Install this executable as a service that starts at boot: ' +
        'systemd on Linux (hardened unit, own user), launchd on macOS, a Windows service.',
    );
  const agentKeys = ['agent.server', 'agent.key', 'agent.interval', 'agent.latencyTargets', 'agent.textfileDir', 'agent.ca'];
  addRole(
    install,
    'agent',
    'Install the agent: `probe install agent --server wss://status.example.com --key <KEY>`.',
    agentKeys,
    [],
    async (flags, settings) => {
      if (!flags.uninstall) loadConfig({ flags: settings });
      await runInstall('agent', flags, toEnv(settings));
    },
  );
  const serverKeys = ['server.listen', 'server.publicUrl', 'server.localAgent', 'server.trustProxy'];
  const config = new Option('-c, --config <file>', 'JSON config file the service reads (keep it readable by the service)');
  addRole(install, 'server', 'Install the server, its data in /var/lib/probe.', serverKeys, [config], async (flags, settings) => {
    if (!flags.uninstall) loadConfig({ file: flags.config, flags: settings });
    await runInstall('server', flags, { ...toEnv(settings), PROBE_CONFIG: flags.config && path.resolve(flags.config) });
  });
}
