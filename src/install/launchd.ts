/**
 * @module `probe install agent` on macOS: the executable in /usr/local/bin (signed ad hoc: the
 * release's is unsigned and Apple Silicon runs no unsigned code), the config with the key in a
 * 0600 file, and a launchd daemon that starts `probe agent --config <file>` at boot and keeps it
 * running. `--root` writes under another directory, `--no-start` leaves launchctl alone (tests).
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { ProbeError } from '../util/errors';
import { seaAssets } from '../util/sea';
import { agentConfigFile } from './agent-config';
import { placeExecutable, replaceFile } from './files';

export const LAUNCHD_LABEL = 'com.probe.agent';

export interface LaunchdPaths {
  bin: string;
  config: string;
  log: string;
}

export const LAUNCHD_PATHS = {
  plist: `/Library/LaunchDaemons/${LAUNCHD_LABEL}.plist`,
  config: '/usr/local/etc/probe/agent.json',
  log: '/var/log/probe-agent.log',
  stateDir: '/usr/local/var/probe-agent',
};

const xmlText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The launchd job: runs as root from boot, restarted whenever it exits (launchd waits 10 s between). */
export function launchdPlist(paths: LaunchdPaths): string {
  const string = (text: string) => `<string>${xmlText(text)}</string>`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    // XML comments may not hold "--", so the option goes without its dashes.
    '<!-- Written by `probe install agent`; its uninstall option removes it. -->',
    '<plist version="1.0">',
    '<dict>',
    `  <key>Label</key>\n  ${string(LAUNCHD_LABEL)}`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...[paths.bin, 'agent', '--config', paths.config].map((arg) => `    ${string(arg)}`),
    '  </array>',
    '  <key>RunAtLoad</key>\n  <true/>',
    '  <key>KeepAlive</key>\n  <true/>',
    `  <key>StandardOutPath</key>\n  ${string(paths.log)}`,
    `  <key>StandardErrorPath</key>\n  ${string(paths.log)}`,
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}

function launchctl(args: string[], quiet = false): boolean {
  const result = spawnSync('launchctl', args, { encoding: 'utf8' });
  if (result.error)
    throw new ProbeError('PROBE_ERR_INSTALL', `cannot run launchctl (${result.error.message}); pass --no-start to only write the files`);
  if (result.status === 0 || quiet) return result.status === 0;
  throw new ProbeError('PROBE_ERR_INSTALL', `launchctl ${args.join(' ')} failed: ${(result.stderr || result.stdout).trim()}`);
}

export interface LaunchdInstallOptions {
  /** Where the executable goes (default /usr/local/bin/probe). */
  bin: string;
  root: string;
  start: boolean;
  uninstall: boolean;
  /** PROBE_* agent settings for agent.json. */
  settings: Record<string, string | undefined>;
  self?: string;
}

export function installLaunchd(options: LaunchdInstallOptions): string[] {
  const at = (p: string) => path.join(options.root, p);
  const plist = at(LAUNCHD_PATHS.plist);
  const config = at(LAUNCHD_PATHS.config);
  const job = `system/${LAUNCHD_LABEL}`;
  const lines: string[] = [];
  if (options.start && process.getuid?.() !== 0)
    throw new ProbeError('PROBE_ERR_INSTALL', 'a launchd daemon is installed by root: run this with sudo');
  const loaded = options.start && launchctl(['print', job], true);

  if (options.uninstall) {
    if (loaded) launchctl(['bootout', job]);
    rmSync(plist, { force: true });
    rmSync(config, { force: true });
    lines.push(
      `Removed ${plist} and ${config}. ` +
        `Kept ${options.bin}, ${LAUNCHD_PATHS.stateDir} and ${LAUNCHD_PATHS.log} (delete them by hand if you want them gone).`,
    );
    return lines;
  }

  const self = options.self ?? (seaAssets() ? process.execPath : null);
  if (!self)
    throw new ProbeError(
      'PROBE_ERR_INSTALL',
      'run `install` from the probe executable (probe-darwin-arm64 or probe-darwin-x64), not from source',
    );
  const bin = at(options.bin);
  if (placeExecutable(self, bin)) lines.push(`Copied ${self} to ${bin}.`);
  const signed = spawnSync('codesign', ['--sign', '-', '--force', bin], { encoding: 'utf8' });
  if (signed.status === 0) lines.push(`Signed ${bin} (ad hoc).`);
  else if (!signed.error) throw new ProbeError('PROBE_ERR_INSTALL', `codesign --sign - --force ${bin} failed: ${signed.stderr.trim()}`);
  // Only root reads the key; launchd wants its job file root's and not writable by others.
  replaceFile(config, agentConfigFile(options.settings, LAUNCHD_PATHS.stateDir), 0o600);
  replaceFile(plist, launchdPlist({ bin: options.bin, config: LAUNCHD_PATHS.config, log: LAUNCHD_PATHS.log }), 0o644);
  lines.push(`Wrote ${plist} and ${config}.`);
  if (!options.start) {
    lines.push(`Not started (--no-start). Start it with: sudo launchctl bootstrap system ${LAUNCHD_PATHS.plist}`);
    return lines;
  }
  if (loaded) launchctl(['bootout', job]);
  launchctl(['enable', job]);
  // bootout returns before the old process has gone; until then bootstrap fails (error 5).
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 1; !launchctl(['bootstrap', 'system', plist], attempt < 10); attempt++) Atomics.wait(sleeper, 0, 0, 500);
  lines.push(`Started ${LAUNCHD_LABEL}; it starts at boot. Follow it with: tail -f ${LAUNCHD_PATHS.log}`);
  return lines;
}
