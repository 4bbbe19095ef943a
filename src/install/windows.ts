/**
 * @module `probe install agent` on Windows: probe.exe and its service host probe-service.exe (see
 * windows/probe-service.c, which finds probe.exe next to itself) in %ProgramFiles%\probe, the
 * config with the key in %ProgramData%\probe\agent.json (SYSTEM and Administrators only), and the
 * service probe-agent registered with sc.exe. No command line the service runs carries the key.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ProbeError } from '../util/errors';
import { seaAssets } from '../util/sea';
import { agentConfigFile } from './agent-config';
import { placeExecutable, replaceFile } from './files';

export const WINDOWS_SERVICE = 'probe-agent';
/** The SEA asset the Windows release carries the host as (packaging/service-host.mjs builds it). */
export const SERVICE_HOST_ASSET = 'probe-service.exe';

const w = path.win32;
/** SIDs, not names: "Administrators" is called otherwise on Windows in other languages. */
const SYSTEM = '*S-1-5-18';
const ADMINISTRATORS = '*S-1-5-32-544';
const STOPPED = 1;
const ADMIN_HINT = 'run it from PowerShell or a Command Prompt opened with "Run as administrator"';

export interface WindowsLayout {
  programDir: string;
  exe: string;
  host: string;
  dataDir: string;
  config: string;
  stateDir: string;
  log: string;
}

/** Where everything goes, from the environment (ProgramW6432: the 64-bit folder even for a 32-bit parent). */
export function windowsLayout(env: NodeJS.ProcessEnv): WindowsLayout {
  const programDir = w.join(env.ProgramW6432 ?? env.ProgramFiles ?? 'C:\\Program Files', 'probe');
  const dataDir = w.join(env.ProgramData ?? 'C:\\ProgramData', 'probe');
  return {
    programDir,
    exe: w.join(programDir, 'probe.exe'),
    host: w.join(programDir, 'probe-service.exe'),
    dataDir,
    config: w.join(dataDir, 'agent.json'),
    stateDir: w.join(dataDir, 'state'),
    log: w.join(dataDir, 'agent.log'),
  };
}

/** sc.exe arguments that register the service; binPath is quoted for the SCM, as a path with a space must be. */
export function serviceCommands(layout: WindowsLayout): string[][] {
  return [
    ['create', WINDOWS_SERVICE, 'binPath=', `"${layout.host}"`, 'start=', 'auto', 'DisplayName=', 'probe agent'],
    ['description', WINDOWS_SERVICE, 'Reports this machine to a probe server. Installed by probe install agent.'],
    // The host restarts the agent itself; these restart the host should it ever die.
    ['failure', WINDOWS_SERVICE, 'reset=', '86400', 'actions=', 'restart/5000/restart/30000/restart/60000'],
  ];
}

function system32(env: NodeJS.ProcessEnv, exe: string): string {
  return w.join(env.SystemRoot ?? env.windir ?? 'C:\\Windows', 'System32', exe);
}

/** Runs a system tool; a failure is a ProbeError saying what to do, if we know. */
function tool(env: NodeJS.ProcessEnv, exe: string, args: string[]): string {
  const result = spawnSync(system32(env, exe), args, { encoding: 'utf8', windowsHide: true });
  if (result.error) throw new ProbeError('PROBE_ERR_INSTALL', `cannot run ${exe} (${result.error.message})`);
  const output = `${result.stdout}${result.stderr}`.trim();
  if (result.status === 0) return output;
  if (result.status === 5) throw new ProbeError('PROBE_ERR_INSTALL', `${exe} ${args[0]}: access is denied: ${ADMIN_HINT}`);
  if (result.status === 1072)
    throw new ProbeError(
      'PROBE_ERR_INSTALL',
      `the ${WINDOWS_SERVICE} service is still being deleted: close the Services window (services.msc) and run this again`,
    );
  throw new ProbeError('PROBE_ERR_INSTALL', `${exe} ${args.join(' ')} failed (exit code ${result.status}): ${output}`);
}

/** The service's registry values (ImagePath, Start…), or null when it is not installed. */
function registered(env: NodeJS.ProcessEnv): Record<string, string> | null {
  const result = spawnSync(system32(env, 'reg.exe'), ['query', `HKLM\\SYSTEM\\CurrentControlSet\\Services\\${WINDOWS_SERVICE}`], {
    encoding: 'utf8',
    windowsHide: true,
  });
  if (result.status !== 0) return null;
  const values: Record<string, string> = {};
  for (const m of result.stdout.matchAll(/^\s+(\S+)\s+REG_\w+\s+(.*?)\s*$/gm)) values[m[1]!] = m[2]!;
  return values;
}

function serviceState(env: NodeJS.ProcessEnv): number | null {
  const result = spawnSync(system32(env, 'sc.exe'), ['query', WINDOWS_SERVICE], { encoding: 'utf8', windowsHide: true });
  const m = /STATE\s*:\s*(\d+)/.exec(result.stdout ?? '');
  return m ? Number(m[1]) : null;
}

/** Stops the service and waits until it has (its files can only be replaced then). */
function stopService(env: NodeJS.ProcessEnv): void {
  tool(env, 'sc.exe', ['stop', WINDOWS_SERVICE]);
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; serviceState(env) !== STOPPED; waited += 250) {
    if (waited > 30_000)
      throw new ProbeError(
        'PROBE_ERR_INSTALL',
        `the ${WINDOWS_SERVICE} service did not stop within 30 s: stop it (sc.exe stop ${WINDOWS_SERVICE}) and run this again`,
      );
    Atomics.wait(sleeper, 0, 0, 250);
  }
}

/** Only SYSTEM and Administrators, nothing inherited; a folder passes it on to what it holds. */
function restrict(env: NodeJS.ProcessEnv, target: string, folder: boolean): void {
  const inherit = folder ? '(OI)(CI)' : '';
  // Any user may create a folder in ProgramData. One made before the install would stay its
  // maker's, who could open it up again and put in an agent.json whose commands SYSTEM runs.
  if (folder) tool(env, 'icacls.exe', [target, '/setowner', ADMINISTRATORS, '/T', '/C', '/Q']);
  tool(env, 'icacls.exe', [target, '/inheritance:r', '/grant:r', `${SYSTEM}:${inherit}F`, `${ADMINISTRATORS}:${inherit}F`, '/Q']);
}

/** File-system calls that fail for want of rights say how to get them. */
function asAdministrator<T>(what: string, write: () => T): T {
  try {
    return write();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Windows says "access denied" both to a user who is not elevated and for an executable that runs.
    if (code === 'EPERM' || code === 'EACCES' || code === 'EBUSY') {
      throw new ProbeError(
        'PROBE_ERR_INSTALL',
        `cannot write ${what} (${code}): ${ADMIN_HINT}, with nothing running from it (sc.exe stop ${WINDOWS_SERVICE})`,
      );
    }
    throw err;
  }
}

function serviceHost(file: string | undefined): Uint8Array {
  if (file) return readFileSync(file);
  try {
    const asset = seaAssets()?.getRawAsset(SERVICE_HOST_ASSET);
    if (asset) return new Uint8Array(asset);
  } catch {
    // Not in this executable: said below.
  }
  throw new ProbeError(
    'PROBE_ERR_INSTALL',
    `this executable carries no Windows service host (${SERVICE_HOST_ASSET}): ` +
      "install with probe-windows-x64.exe from the release or from your server's /download/",
  );
}

export interface WindowsInstallOptions {
  start: boolean;
  uninstall: boolean;
  /** PROBE_* agent settings for agent.json. */
  settings: Record<string, string | undefined>;
  /** The executable to install (default: this one). */
  self?: string;
  /** probe-service.exe as a file (default: this executable's asset). */
  serviceHost?: string;
  env?: NodeJS.ProcessEnv;
}

export function installWindows(options: WindowsInstallOptions): string[] {
  const env = options.env ?? process.env;
  const layout = windowsLayout(env);
  const lines: string[] = [];
  const existing = options.start ? registered(env) : null;
  if (existing && serviceState(env) !== STOPPED) {
    stopService(env);
    lines.push(`Stopped the ${WINDOWS_SERVICE} service.`);
  }

  if (options.uninstall) {
    if (existing) tool(env, 'sc.exe', ['delete', WINDOWS_SERVICE]);
    rmSync(layout.config, { force: true });
    lines.push(
      `Removed ${existing ? `the ${WINDOWS_SERVICE} service and ` : ''}${layout.config}. ` +
        `Kept ${layout.programDir} and ${layout.dataDir} (log and buffer): delete them by hand if you want them gone.`,
    );
    return lines;
  }

  const self = options.self ?? (seaAssets() ? process.execPath : null);
  if (!self) throw new ProbeError('PROBE_ERR_INSTALL', 'run `install` from the probe executable (probe-windows-x64.exe), not from source');
  const host = serviceHost(options.serviceHost);
  if (asAdministrator(layout.exe, () => placeExecutable(self, layout.exe))) lines.push(`Copied ${self} to ${layout.exe}.`);
  asAdministrator(layout.host, () => replaceFile(layout.host, host, 0o755));
  asAdministrator(layout.dataDir, () => mkdirSync(layout.dataDir, { recursive: true }));
  // The folder first: the file is born with its restricted rights, never readable by others.
  restrict(env, layout.dataDir, true);
  replaceFile(layout.config, agentConfigFile(options.settings, layout.stateDir), 0o600);
  restrict(env, layout.config, false);
  lines.push(`Wrote ${layout.host} and ${layout.config} (readable by SYSTEM and Administrators only).`);

  const [create, ...configure] = serviceCommands(layout);
  if (!options.start) {
    const shown = (args: string[]) => `  sc.exe ${args.map((a) => (/[\s"]/.test(a) ? `"${a.replace(/"/g, '\\"')}"` : a)).join(' ')}`;
    lines.push(
      'Not registered (--no-start). Register and start the service from a Command Prompt run as administrator:',
      ...[create!, ...configure, ['start', WINDOWS_SERVICE]].map(shown),
    );
    return lines;
  }
  if (!existing) tool(env, 'sc.exe', create!);
  else if (existing.ImagePath !== `"${layout.host}"` || existing.Start !== '0x2') tool(env, 'sc.exe', ['config', ...create!.slice(1)]);
  for (const args of configure) tool(env, 'sc.exe', args);
  tool(env, 'sc.exe', ['start', WINDOWS_SERVICE]);
  lines.push(`Started the ${WINDOWS_SERVICE} service; it starts at boot. Follow its log with: Get-Content -Wait "${layout.log}"`);
  return lines;
}
