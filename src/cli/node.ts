/**
 * @module `probe node add|list|remove|rotate-key`: node administration on the database, working
 * while the server runs (it notices within a second).
 */
import { Option } from 'commander';
import type { Command } from 'commander';
import type { NodeRecord } from '../store/store';
import { nodeWriterFor, openStoreFor } from './common';
import { addFlags, configOption } from './options';
import type { ParsedFlags } from './options';

type Flags = ParsedFlags & { config?: string };

/** A subcommand of `probe node` that opens the database: its own options first, then --data and --config. */
function storeCommand(node: Command, usage: string, description: string, own: Option[] = []) {
  const command = node.command(usage).description(description);
  const settings = addFlags(command, [...own, 'server.data', configOption()]);
  return { command, open: (flags: Flags) => openStoreFor(flags, settings(flags)) };
}

function addAdd(node: Command): void {
  const own = [
    new Option('-g, --group <group>', 'group shown on the page').default(''),
    new Option('--location <CC>', 'two-letter country code, e.g. JP').default(''),
  ];
  const { command, open } = storeCommand(node, 'add <name>', 'Add a node; prints its key once and the agent command to run on it.', own);
  command.action(async (name: string, flags: Flags & { group: string; location: string }) => {
    const { config, store } = await open(flags);
    const { addNodeVia, agentCommand, installCommands } = await import('../server/fleet/nodes');
    try {
      const { writer, close } = await nodeWriterFor(config, store);
      const { key } = await addNodeVia(writer, name, flags.group, flags.location, Date.now()).finally(close);
      process.stdout.write(
        `Added node "${name}". Its key is shown only now:\n\n  ${key}\n\nOn the node, run:\n\n  ${agentCommand(config, key)}\n\n` +
          'or install it there as a service in one line: on Linux (systemd) and macOS (launchd)\n\n' +
          `  ${installCommands(config, key).install}\n\n` +
          `on Windows, in PowerShell as administrator\n\n  ${installCommands(config, key).installWindows}\n\n` +
          `(If agents reach this server under another address, set server.publicUrl or PROBE_PUBLIC_URL.)\n`,
      );
    } finally {
      store.close();
    }
  });
}

function printTable(nodes: NodeRecord[]): void {
  const rows = nodes.map((n) => [n.name, n.group || '-', n.location || '-', n.lastSeen ? new Date(n.lastSeen).toISOString() : 'never']);
  const header = ['NAME', 'GROUP', 'LOCATION', 'LAST SEEN'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [header, ...rows])
    process.stdout.write(
      `${r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd()}\n`,
    );
}

function addList(node: Command): void {
  const { command, open } = storeCommand(node, 'list', 'List nodes.', [new Option('--json', 'print JSON')]);
  command.action(async (flags: Flags & { json?: boolean }) => {
    const { store } = await open(flags);
    const nodes = store.listNodes();
    store.close();
    if (flags.json) {
      const rows = nodes.map((n) => ({
        id: n.id,
        name: n.name,
        group: n.group,
        location: n.location,
        lastSeen: n.lastSeen,
        local: n.isLocal,
      }));
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    } else if (nodes.length === 0) {
      process.stdout.write('No nodes yet. Add one with `probe node add <name>`.\n');
    } else {
      printTable(nodes);
    }
  });
}

function addRemove(node: Command): void {
  const { command, open } = storeCommand(node, 'remove <name>', 'Remove a node and its history; its agent is disconnected.');
  command.action(async (name: string, flags: Flags) => {
    const { config, store } = await open(flags);
    const { removeNodeVia } = await import('../server/fleet/nodes');
    try {
      const { writer, close } = await nodeWriterFor(config, store);
      await removeNodeVia(writer, name).finally(close);
      process.stdout.write(`Removed node "${name}" and its history.\n`);
    } finally {
      store.close();
    }
  });
}

function addRotateKey(node: Command): void {
  const { command, open } = storeCommand(node, 'rotate-key <name>', 'Give a node a new key; the old one stops working at once.');
  command.action(async (name: string, flags: Flags) => {
    const { config, store } = await open(flags);
    const { rotateKeyVia, agentCommand } = await import('../server/fleet/nodes');
    try {
      const { writer, close } = await nodeWriterFor(config, store);
      const key = await rotateKeyVia(writer, name).finally(close);
      process.stdout.write(
        `New key for "${name}" (shown only now):\n\n  ${key}\n\nRestart its agent with:\n\n  ${agentCommand(config, key)}\n`,
      );
    } finally {
      store.close();
    }
  });
}

export function addNodeCommands(program: Command): void {
  const node = program.command('node').description('Add, list, remove nodes and rotate their keys (works while the server runs).');
  for (const add of [addAdd, addList, addRemove, addRotateKey]) add(node);
}
