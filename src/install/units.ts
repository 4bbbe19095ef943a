/**
 * @module The systemd units and environment files `probe install` writes: pure text, so tests can
 * read them and `systemd-analyze verify` can check them. Both services run as a dynamic user of
 * their own with the file system read-only but for their state directory.
 */

export type Role = 'agent' | 'server';

export interface UnitPaths {
  /** The executable the unit starts. */
  bin: string;
  /** Its environment file (secrets live here, mode 0600, not in the unit or on the command line). */
  envFile: string;
}

export const SERVICE_NAME: Record<Role, string> = { agent: 'probe-agent', server: 'probe' };

const HARDENING = [
  'DynamicUser=yes',
  'NoNewPrivileges=yes',
  'ProtectSystem=strict',
  // Read-only rather than hidden: the agent reports the size of a /home file system.
  'ProtectHome=read-only',
  'PrivateTmp=yes',
  'PrivateDevices=yes',
  'ProtectKernelTunables=yes',
  'ProtectKernelModules=yes',
  'ProtectKernelLogs=yes',
  'ProtectControlGroups=yes',
  'ProtectClock=yes',
  'ProtectHostname=yes',
  'RestrictNamespaces=yes',
  'RestrictRealtime=yes',
  'RestrictSUIDSGID=yes',
  'LockPersonality=yes',
  'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK',
  'SystemCallArchitectures=native',
  'SystemCallFilter=@system-service',
  'UMask=0077',
];

export function unitFile(role: Role, paths: UnitPaths): string {
  const agent = role === 'agent';
  const lines = [
    `# Written by \`probe install\`; \`probe install ${role} --uninstall\` removes it.`,
    '[Unit]',
    agent ? 'Description=probe agent: reports this machine to a probe server' : 'Description=probe server: status page, history and alerts',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${paths.bin} ${role}`,
    `EnvironmentFile=${paths.envFile}`,
    agent ? 'Environment=PROBE_STATE_DIR=/var/lib/probe-agent' : 'Environment=PROBE_DATA=/var/lib/probe',
    `StateDirectory=${SERVICE_NAME[role]}`,
    'Restart=on-failure',
    'RestartSec=5s',
    // A damaged database (exit 3, PROBE_ERR_STORE: sqlite-store's DAMAGED_EXIT_CODE) waits for a person to restore a backup.
    ...(agent ? [] : ['RestartPreventExitStatus=3']),
    // A SIGTERM lets the server commit and ack what it holds; the agent keeps unsent samples on disk.
    'TimeoutStopSec=30s',
    ...HARDENING,
    // Only the server may listen on a port below 1024 (80/443 without a proxy); the agent needs nothing.
    ...(agent
      ? ['CapabilityBoundingSet=', 'AmbientCapabilities=']
      : ['CapabilityBoundingSet=CAP_NET_BIND_SERVICE', 'AmbientCapabilities=CAP_NET_BIND_SERVICE']),
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ];
  return lines.join('\n');
}

/** KEY=value lines for systemd's EnvironmentFile; values are quoted and escaped. */
export function envFile(values: Record<string, string | undefined>): string {
  const lines = ['# Written by `probe install`. Settings as PROBE_* variables (see docs/configuration.md).'];
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || value === '') continue;
    if (/[\n\r\0]/.test(value)) throw new Error(`${name} must be on one line`);
    lines.push(`${name}="${value.replace(/(["\\$`])/g, '\\$1')}"`);
  }
  return `${lines.join('\n')}\n`;
}
