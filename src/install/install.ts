/**
 * @module `probe install agent|server`: puts this executable in place and makes it a service that
 * starts at boot. Linux: the environment file (0600) and the hardened systemd unit; Windows
 * (windows.ts) and macOS (launchd.ts): the agent only. `--uninstall` undoes it. `--root` writes
 * under another directory and `--no-start` leaves the service manager alone (packaging, tests).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ProbeError } from '../util/errors';
import { seaAssets } from '../util/sea';
import { placeExecutable, replaceFile } from './files';
import { installLaunchd } from './launchd';
import type { Role } from './units';
import { SERVICE_NAME, envFile, unitFile } from './units';
import { installWindows } from './windows';

export interface InstallOptions {
  role: Role;
  /** Where the executable goes (default /usr/local/bin/probe). */
  bin: string;
  /** Written under this directory instead of / (the unit still names the paths as seen from /). */
  root: string;
  start: boolean;
  uninstall: boolean;
  /** PROBE_* settings for the environment file. */
  env: Record<string, string | undefined>;
  /** This executable (tests pass the built binary when running from source). */
  self?: string;
  /** Windows: probe-service.exe as a file instead of this executable's asset (tests). */
  serviceHost?: string;
  /** Default: this machine's. */
  platform?: NodeJS.Platform;
}

export interface InstallResult {
  lines: string[];
}

function systemctl(role: Role, args: string[]): void {
  const result = spawnSync('systemctl', args, { encoding: 'utf8' });
  if (result.error)
    throw new ProbeError(
      'PROBE_ERR_INSTALL',
      `cannot run systemctl (${result.error.message}): this needs systemd; ` +
        `run \`probe ${role}\` under your own supervisor instead, or pass --no-start to only write the files`,
    );
  if (result.status !== 0)
    throw new ProbeError('PROBE_ERR_INSTALL', `systemctl ${args.join(' ')} failed: ${(result.stderr || result.stdout).trim()}`);
}

export function install(options: InstallOptions): InstallResult {
  if (!options.uninstall && options.role === 'agent') {
    if (!options.env.PROBE_KEY)
      throw new ProbeError('PROBE_ERR_CONFIG', 'no key given: pass --key with the key from the admin or `probe node add <name>`');
    if (!options.env.PROBE_SERVER)
      throw new ProbeError('PROBE_ERR_CONFIG', 'no server given: pass --server, e.g. wss://status.example.com');
  }
  const platform = options.platform ?? process.platform;
  if (platform === 'win32' || platform === 'darwin') {
    if (options.role !== 'agent')
      throw new ProbeError(
        'PROBE_ERR_INSTALL',
        '`probe install server` is for Linux (systemd); on Windows and macOS probe installs the agent',
      );
    const common = { start: options.start, uninstall: options.uninstall, settings: options.env, self: options.self };
    if (platform === 'darwin') return { lines: installLaunchd({ ...common, bin: options.bin, root: options.root }) };
    if (options.root !== '/')
      throw new ProbeError(
        'PROBE_ERR_INSTALL',
        '--root is not used on Windows: the service host finds its files in %ProgramFiles%\\probe and %ProgramData%\\probe',
      );
    return { lines: installWindows({ ...common, serviceHost: options.serviceHost }) };
  }
  return installSystemd(options);
}

function installSystemd(options: InstallOptions): InstallResult {
  const service = SERVICE_NAME[options.role];
  const at = (p: string) => path.join(options.root, p);
  const unitPath = at(`/etc/systemd/system/${service}.service`);
  const envPath = at(`/etc/probe/${options.role}.env`);
  const lines: string[] = [];

  if (options.uninstall) {
    if (options.start && existsSync(unitPath)) systemctl(options.role, ['disable', '--now', `${service}.service`]);
    rmSync(unitPath, { force: true });
    rmSync(envPath, { force: true });
    if (options.start) systemctl(options.role, ['daemon-reload']);
    lines.push(
      `Removed ${service}.service and ${envPath}. Kept ${options.bin} and /var/lib/${service} (delete them by hand if you want them gone).`,
    );
    return { lines };
  }

  const self = options.self ?? (seaAssets() ? process.execPath : null);
  if (!self)
    throw new ProbeError(
      'PROBE_ERR_INSTALL',
      'run `install` from the probe executable (dist/probe after `npm run build`), not from source',
    );
  if (placeExecutable(self, at(options.bin))) lines.push(`Copied ${self} to ${at(options.bin)}.`);
  // The key is a secret: only root may read this file; the unit reads it as root before dropping to its user.
  replaceFile(envPath, envFile(options.env), 0o600);
  replaceFile(unitPath, unitFile(options.role, { bin: options.bin, envFile: `/etc/probe/${options.role}.env` }), 0o644);
  lines.push(`Wrote ${unitPath} and ${envPath}.`);
  if (options.start) {
    systemctl(options.role, ['daemon-reload']);
    systemctl(options.role, ['enable', '--now', `${service}.service`]);
    systemctl(options.role, ['restart', `${service}.service`]);
    lines.push(`Started ${service}.service; it starts at boot. Follow it with: journalctl -u ${service} -f`);
    if (options.role === 'server')
      lines.push(`The first start prints a one-time link to choose the admin password: journalctl -u ${service} | grep 'Choose one'`);
  } else {
    lines.push(`Not started (--no-start). Start it with: systemctl daemon-reload && systemctl enable --now ${service}.service`);
  }
  return { lines };
}
