/**
 * @module The `probe` command line: server | agent | node … | version. Side effects start here.
 */
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Command, Option } from 'commander';
import { loadConfig } from './config/load';
import type { Config } from './config/schema';
import type { RawSettings } from './config/load';
import { ProbeError } from './util/errors';
import { log, setLogLevel } from './util/log';
import { buildInfo } from './util/build-info';
import { VERSION } from './version';

interface CommonFlags {
  config?: string;
  logLevel?: string;
}

function configFrom(flags: CommonFlags, settings: RawSettings): Config {
  const config = loadConfig({
    file: flags.config ?? process.env.PROBE_CONFIG,
    env: process.env,
    flags: { ...settings, 'log.level': flags.logLevel },
  });
  setLogLevel(config.logLevel);
  return config;
}

/** How often `probe agent` runs a full garbage collection (see the agent command). */
const AGENT_GC_EVERY_MS = 5 * 60_000;

const configOption = () => new Option('-c, --config <file>', 'JSON config file (env: PROBE_CONFIG)');
const logOption = () => new Option('--log-level <level>', 'debug, info, warn or error (env: PROBE_LOG_LEVEL)');
const dataOption = () => new Option('-d, --data <dir>', 'data directory holding probe.db (env: PROBE_DATA, default ./probe-data)');

interface InstallFlags {
  bin: string;
  root: string;
  start: boolean;
  uninstall?: boolean;
}

async function runInstall(role: 'agent' | 'server', flags: InstallFlags, env: Record<string, string | undefined>): Promise<void> {
  const { install } = await import('./install/install');
  const result = install({ role, bin: flags.bin, root: flags.root, start: flags.start, uninstall: flags.uninstall === true, env });
  process.stdout.write(result.lines.join('\n') + '\n');
}

function onStop(stop: () => Promise<void> | void): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info('stopping', { signal });
    setTimeout(() => {
      log.error('did not stop within 10 s; exiting anyway');
      process.exit(1);
    }, 10_000).unref();
    Promise.resolve(stop()).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => handler('SIGINT'));
  process.on('SIGTERM', () => handler('SIGTERM'));
}

async function openStoreFor(flags: CommonFlags & { data?: string }) {
  const config = configFrom(flags, { 'server.data': flags.data });
  const { openSqliteStore } = await import('./store/sqlite-store');
  return { config, store: openSqliteStore(config.server.data) };
}

/** A password from a pipe (one line), or typed twice on a terminal without echo. */
async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    let text = '';
    for await (const chunk of process.stdin) text += chunk;
    return text.replace(/\r?\n$/, '');
  }
  const ask = (prompt: string) =>
    new Promise<string>((resolve) => {
      process.stdout.write(prompt);
      let typed = '';
      process.stdin.setRawMode(true);
      process.stdin.resume();
      const onData = (data: Buffer) => {
        for (const ch of data.toString('utf8')) {
          if (ch === '\r' || ch === '\n') {
            process.stdin.off('data', onData);
            process.stdin.setRawMode(false);
            process.stdin.pause();
            process.stdout.write('\n');
            resolve(typed);
            return;
          }
          if (ch === '\u0003') process.exit(130);
          typed = ch === '\u007f' ? typed.slice(0, -1) : typed + ch;
        }
      };
      process.stdin.on('data', onData);
    });
  const first = await ask('New admin password: ');
  if ((await ask('Again: ')) !== first) throw new ProbeError('PROBE_ERR_BAD_REQUEST', 'the two passwords differ: nothing changed');
  return first;
}

export function buildProgram(): Command {
  const program = new Command('probe')
    .description('Self-hosted server monitor: one executable for the server (status page, history, alerts) and the agents.')
    .version(VERSION, '-v, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('server')
    .description('Run the server: agent gateway, SQLite history and the live status page.')
    .option('-l, --listen <host:port>', 'address to listen on (env: PROBE_LISTEN, default 0.0.0.0:8080)')
    .addOption(dataOption())
    .option('--local-agent', 'also report this machine, from an agent inside the server (env: PROBE_LOCAL_AGENT)')
    .option('--title <text>', 'page title (env: PROBE_TITLE, default "probe")')
    .option('--tls-cert <file>', 'PEM certificate (chain) for HTTPS/WSS; re-read on SIGHUP (env: PROBE_TLS_CERT)')
    .option('--tls-key <file>', 'PEM private key for --tls-cert (env: PROBE_TLS_KEY)')
    .option('--trust-proxy', 'behind a reverse proxy: client addresses from X-Forwarded-For (env: PROBE_TRUST_PROXY)')
    .addOption(configOption())
    .addOption(logOption())
    .action(async (flags: CommonFlags & { listen?: string; data?: string; localAgent?: boolean; title?: string; tlsCert?: string; tlsKey?: string; trustProxy?: boolean }) => {
      const config = configFrom(flags, {
        'server.listen': flags.listen,
        'server.data': flags.data,
        'server.localAgent': flags.localAgent,
        'server.title': flags.title,
        'server.tlsCert': flags.tlsCert,
        'server.tlsKey': flags.tlsKey,
        'server.trustProxy': flags.trustProxy,
      });
      // Collect old garbage sooner than V8's default (which lets the heap grow to ~4× what is live
      // when the process is busy): at 10 000 agents RSS stayed ~200 MB lower, for more frequent
      // full collections.
      // A flag V8 reads at each full collection, so it can be set now (the executable takes no node options).
      setFlagsFromString('--heap-growing-percent=30');
      const { runServer } = await import('./server/run-server');
      const server = await runServer(config);
      process.stdout.write(`probe ${VERSION} is running: open ${server.url}\n`);
      if (server.setupUrl) process.stdout.write(`No admin password yet. Choose one at ${server.setupUrl} (this link works once, until the next start), or run \`probe admin set-password\`.\n`);
      onStop(() => server.close());
      process.on('SIGHUP', () => server.reload());
    });

  program
    .command('agent')
    .description('Run the agent: collect this machine\'s stats and push them to the server.')
    .option('-s, --server <url>', 'server URL, e.g. wss://status.example.com (env: PROBE_SERVER)')
    .option('-k, --key <key>', 'node key from `probe node add` (env: PROBE_KEY, which keeps it out of `ps`)')
    .option('-i, --interval <duration>', 'time between samples, 1s or more (env: PROBE_INTERVAL, default 1s)')
    .option('--state-dir <dir>', 'where unsent samples are buffered (env: PROBE_STATE_DIR, default ~/.probe-agent)')
    .option('--latency <targets>', 'TCP connect-time probes, "label=host:port,…" (env: PROBE_LATENCY_TARGETS)')
    .option('--textfile-dir <dir>', 'read custom metrics from *.prom files here (env: PROBE_TEXTFILE_DIR)')
    .option('--ca <file>', 'also trust these CA certificates (PEM) for wss:// (env: PROBE_CA)')
    .addOption(configOption())
    .addOption(logOption())
    .action(async (flags: CommonFlags & { server?: string; key?: string; interval?: string; stateDir?: string; latency?: string; textfileDir?: string; ca?: string }) => {
      const config = configFrom(flags, { 'agent.server': flags.server, 'agent.key': flags.key, 'agent.interval': flags.interval, 'agent.stateDir': flags.stateDir, 'agent.latencyTargets': flags.latency, 'agent.textfileDir': flags.textfileDir, 'agent.ca': flags.ca });
      if (!config.agent.key) throw new ProbeError('PROBE_ERR_CONFIG', 'no key given: pass --key (or PROBE_KEY) with the key printed by `probe node add <name>` on the server');
      // The agent runs a little code once a second: the optimizing compiler would cost more (its
      // code pages and compiled code) than it saves. Measured with bench:agent: private memory
      // 9.6 MB instead of 11.3 MB, CPU per sample 1.5 ms instead of 1.8 ms.
      setFlagsFromString('--no-turbofan');
      // V8 only collects the old generation once it reaches a limit, and a process that allocates
      // as little as the agent takes hours to get there: over 45 minutes its RSS rose from 45 to
      // 51 MB while the live heap stayed the same (heap snapshots 12 minutes apart). A full
      // collection every few minutes (a few ms) keeps it flat. (`gc` is exposed to a new context
      // once the flag is set.)
      setFlagsFromString('--expose-gc');
      const collect = runInNewContext('gc') as () => void;
      setInterval(collect, AGENT_GC_EVERY_MS).unref();
      const { runAgent } = await import('./agent/run-agent');
      const agent = runAgent({ ...config.agent, buffer: { maxBytes: config.agent.bufferMaxBytes, maxAgeMs: config.agent.bufferMaxAgeMs } });
      onStop(() => agent.stop());
    });

  const node = program.command('node').description('Add, list, remove nodes and rotate their keys (works while the server runs).');
  node
    .command('add <name>')
    .description('Add a node; prints its key once and the agent command to run on it.')
    .option('-g, --group <group>', 'group shown on the page', '')
    .option('--location <CC>', 'two-letter country code, e.g. JP', '')
    .addOption(dataOption())
    .addOption(configOption())
    .action(async (name: string, flags: CommonFlags & { data?: string; group: string; location: string }) => {
      const { config, store } = await openStoreFor(flags);
      const { addNode, agentCommand, installCommands } = await import('./server/nodes');
      try {
        const { key } = addNode(store, name, flags.group, flags.location, Date.now());
        process.stdout.write(
          `Added node "${name}". Its key is shown only now:\n\n  ${key}\n\nOn the node, run:\n\n  ${agentCommand(config, key)}\n\n` +
            `or install it there as a service in one line: on Linux (systemd) and macOS (launchd)\n\n  ${installCommands(config, key).install}\n\n` +
            `on Windows, in PowerShell as administrator\n\n  ${installCommands(config, key).installWindows}\n\n` +
            `(If agents reach this server under another address, set server.publicUrl or PROBE_PUBLIC_URL.)\n`,
        );
      } finally {
        store.close();
      }
    });
  node
    .command('list')
    .description('List nodes.')
    .option('--json', 'print JSON')
    .addOption(dataOption())
    .addOption(configOption())
    .action(async (flags: CommonFlags & { data?: string; json?: boolean }) => {
      const { store } = await openStoreFor(flags);
      const nodes = store.listNodes();
      store.close();
      if (flags.json) {
        const rows = nodes.map((n) => ({ id: n.id, name: n.name, group: n.group, location: n.location, lastSeen: n.lastSeen, local: n.isLocal }));
        process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        return;
      }
      if (nodes.length === 0) {
        process.stdout.write('No nodes yet. Add one with `probe node add <name>`.\n');
        return;
      }
      const rows = nodes.map((n) => [n.name, n.group || '-', n.location || '-', n.lastSeen ? new Date(n.lastSeen).toISOString() : 'never']);
      const header = ['NAME', 'GROUP', 'LOCATION', 'LAST SEEN'];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      for (const r of [header, ...rows]) process.stdout.write(r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd() + '\n');
    });
  node
    .command('remove <name>')
    .description('Remove a node and its history; its agent is disconnected.')
    .addOption(dataOption())
    .addOption(configOption())
    .action(async (name: string, flags: CommonFlags & { data?: string }) => {
      const { store } = await openStoreFor(flags);
      const { removeNode } = await import('./server/nodes');
      try {
        removeNode(store, name);
        process.stdout.write(`Removed node "${name}" and its history.\n`);
      } finally {
        store.close();
      }
    });
  node
    .command('rotate-key <name>')
    .description('Give a node a new key; the old one stops working at once.')
    .addOption(dataOption())
    .addOption(configOption())
    .action(async (name: string, flags: CommonFlags & { data?: string }) => {
      const { config, store } = await openStoreFor(flags);
      const { rotateKey, agentCommand } = await import('./server/nodes');
      try {
        const key = rotateKey(store, name);
        process.stdout.write(`New key for "${name}" (shown only now):\n\n  ${key}\n\nRestart its agent with:\n\n  ${agentCommand(config, key)}\n`);
      } finally {
        store.close();
      }
    });

  program
    .command('backup <file>')
    .description('Copy the database to <file> while the server runs (SQLite online backup, checked before it is named <file>).')
    .addOption(dataOption())
    .addOption(configOption())
    .action(async (file: string, flags: CommonFlags & { data?: string }) => {
      const config = configFrom(flags, { 'server.data': flags.data });
      const { backupDatabase } = await import('./store/sqlite-store');
      const { bytes } = await backupDatabase(config.server.data, path.resolve(file));
      process.stdout.write(`Backed up ${path.join(config.server.data, 'probe.db')} to ${path.resolve(file)} (${(bytes / 1048576).toFixed(1)} MiB). Restore: stop the server, put it in place as probe.db (without -wal/-shm files), start.\n`);
    });

  const installCmd = program.command('install').description('Install this executable as a service that starts at boot: systemd on Linux (hardened unit, own user), launchd on macOS, a Windows service.');
  const installFlags = (cmd: Command) =>
    cmd
      .option('--bin <path>', 'where the executable goes', '/usr/local/bin/probe')
      .option('--root <dir>', 'write everything under this directory instead of / (for packaging)', '/')
      .option('--no-start', 'write the files only; do not run systemctl')
      .option('--uninstall', 'stop and disable the service, remove its unit and environment file');
  installFlags(
    installCmd
      .command('agent')
      .description('Install the agent: `probe install agent --server wss://status.example.com --key <KEY>`.')
      .option('-s, --server <url>', 'server URL')
      .option('-k, --key <key>', 'node key from the admin or `probe node add` (stored only in a file for root/Administrators: /etc/probe/agent.env on Linux)')
      .option('-i, --interval <duration>', 'time between samples')
      .option('--latency <targets>', 'TCP connect-time probes, "label=host:port,…"')
      .option('--textfile-dir <dir>', 'read custom metrics from *.prom files here')
      .option('--ca <file>', 'also trust these CA certificates (PEM) for wss://'),
  ).action(async (flags: InstallFlags & { server?: string; key?: string; interval?: string; latency?: string; textfileDir?: string; ca?: string }) => {
    const settings = { 'agent.server': flags.server, 'agent.key': flags.key, 'agent.interval': flags.interval, 'agent.latencyTargets': flags.latency, 'agent.textfileDir': flags.textfileDir, 'agent.ca': flags.ca };
    if (!flags.uninstall) loadConfig({ flags: settings });
    await runInstall('agent', flags, { PROBE_SERVER: flags.server, PROBE_KEY: flags.key, PROBE_INTERVAL: flags.interval, PROBE_LATENCY_TARGETS: flags.latency, PROBE_TEXTFILE_DIR: flags.textfileDir, PROBE_CA: flags.ca });
  });
  installFlags(
    installCmd
      .command('server')
      .description('Install the server, its data in /var/lib/probe.')
      .option('-l, --listen <host:port>', 'address to listen on (default 0.0.0.0:8080)')
      .option('--public-url <url>', 'URL agents and links use to reach this server, e.g. https://status.example.com')
      .option('--local-agent', 'also report this machine')
      .option('--trust-proxy', 'behind a reverse proxy on this machine')
      .option('-c, --config <file>', 'JSON config file the service reads (keep it readable by the service)'),
  ).action(async (flags: InstallFlags & { listen?: string; publicUrl?: string; localAgent?: boolean; trustProxy?: boolean; config?: string }) => {
    const settings = { 'server.listen': flags.listen, 'server.publicUrl': flags.publicUrl, 'server.localAgent': flags.localAgent, 'server.trustProxy': flags.trustProxy };
    if (!flags.uninstall) loadConfig({ file: flags.config, flags: settings });
    await runInstall('server', flags, {
      PROBE_LISTEN: flags.listen,
      PROBE_PUBLIC_URL: flags.publicUrl,
      PROBE_LOCAL_AGENT: flags.localAgent ? 'true' : undefined,
      PROBE_TRUST_PROXY: flags.trustProxy ? 'true' : undefined,
      PROBE_CONFIG: flags.config && path.resolve(flags.config),
    });
  });

  program
    .command('admin')
    .description('The web admin at /admin.')
    .command('set-password')
    .description('Set the admin password (read from standard input, or asked for on a terminal); signs every session out.')
    .addOption(dataOption())
    .addOption(configOption())
    .action(async (flags: CommonFlags & { data?: string }) => {
      const password = await readPassword();
      const { hashPassword, setPasswordIn } = await import('./server/auth');
      const hash = await hashPassword(password);
      const { store } = await openStoreFor(flags);
      try {
        setPasswordIn(store, hash, Date.now());
      } finally {
        store.close();
      }
      process.stdout.write('Admin password set. Sign in at /admin.\n');
    });

  program
    .command('notify')
    .description('Notification channels.')
    .command('test <channel>')
    .description('Send a test message through a channel from the config file.')
    .addOption(configOption())
    .action(async (channel: string, flags: CommonFlags) => {
      const config = configFrom(flags, {});
      const target = config.channels[channel];
      if (!target) {
        const known = Object.keys(config.channels);
        throw new ProbeError('PROBE_ERR_CONFIG', `no channel "${channel}" under "notifications" in the config file${known.length ? ` (known: ${known.join(', ')})` : ''}`);
      }
      const { sendWithRetry, testMessage } = await import('./notify/notifier');
      const ok = await sendWithRetry(channel, target, testMessage(channel, config.server.publicUrl || '', Date.now()), { attempts: 1, baseDelayMs: 0 });
      if (!ok) throw new ProbeError('PROBE_ERR_NOTIFY', `the test message through "${channel}" failed (see the log line above)`);
      process.stdout.write(`Sent a test message through "${channel}".\n`);
    });

  program
    .command('version')
    .description('Print the version.')
    .action(() => {
      const roles = buildInfo.server ? 'server and agent' : 'agent only';
      process.stdout.write(`probe ${VERSION} (node ${process.version}, ${buildInfo.target}, ${roles})\n`);
    });

  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof ProbeError) {
      process.stderr.write(`probe: ${err.code}: ${err.message}\n`);
      process.exit(err.code === 'PROBE_ERR_CONFIG' ? 2 : 1);
    }
    throw err;
  }
}

void main(process.argv);
