/**
 * @module Node administration shared by the CLI: add, list, remove, rotate a key. Works on the
 * data dir directly, also while the server runs (it notices within a second).
 */
import os from 'node:os';
import type { Config } from '../../config/schema';
import type { NewNode, NodeFields, NodeRecord, Store } from '../../store/store';
import { ProbeError } from '../../util/errors';
import { generateKey, hashKey } from './keys';

const NAME = /^[\p{L}\p{N}][\p{L}\p{N}._-]{0,63}$/u;

export function validateNodeFields(name: string, group: string, location: string): void {
  if (!NAME.test(name)) {
    throw new ProbeError(
      'PROBE_ERR_BAD_REQUEST',
      `node name "${name}" must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }
  if (group.length > 64) throw new ProbeError('PROBE_ERR_BAD_REQUEST', 'group must be at most 64 characters');
  if (location !== '' && !/^[A-Za-z]{2}$/.test(location)) {
    throw new ProbeError('PROBE_ERR_BAD_REQUEST', `location "${location}" must be a two-letter country code such as JP or DE`);
  }
}

export function addNode(store: Store, name: string, group: string, location: string, now: number): { node: NodeRecord; key: string } {
  validateNodeFields(name, group, location);
  const key = generateKey();
  const node = store.addNode({ name, group, location: location.toUpperCase(), keyHash: hashKey(key) }, now);
  return { node, key };
}

export function rotateKey(store: Store, name: string): string {
  const key = generateKey();
  if (!store.setKeyHash(name, hashKey(key)))
    throw new ProbeError('PROBE_ERR_NOT_FOUND', `no node named "${name}": see \`probe node list\``);
  return key;
}

export function removeNode(store: Store, name: string): void {
  if (!store.removeNode(name)) throw new ProbeError('PROBE_ERR_NOT_FOUND', `no node named "${name}": see \`probe node list\``);
}

/**
 * Where node changes are written: the local store, or the PostgreSQL registry a cluster shares
 * (pg-registry.ts), which writes there first and then to the local mirror.
 */
export interface NodeWriter {
  addNode(node: NewNode, now: number): NodeRecord | Promise<NodeRecord>;
  setKeyHash(name: string, keyHash: string): boolean | Promise<boolean>;
  removeNode(name: string): boolean | Promise<boolean>;
  updateNode(id: number, fields: NodeFields): boolean | Promise<boolean>;
}

/** `addNode` through a NodeWriter. */
export async function addNodeVia(writer: NodeWriter, name: string, group: string, location: string, now: number) {
  validateNodeFields(name, group, location);
  const key = generateKey();
  const node = await writer.addNode({ name, group, location: location.toUpperCase(), keyHash: hashKey(key) }, now);
  return { node, key };
}

/** `rotateKey` through a NodeWriter. */
export async function rotateKeyVia(writer: NodeWriter, name: string): Promise<string> {
  const key = generateKey();
  if (!(await writer.setKeyHash(name, hashKey(key))))
    throw new ProbeError('PROBE_ERR_NOT_FOUND', `no node named "${name}": see \`probe node list\``);
  return key;
}

/** `removeNode` through a NodeWriter. */
export async function removeNodeVia(writer: NodeWriter, name: string): Promise<void> {
  if (!(await writer.removeNode(name))) throw new ProbeError('PROBE_ERR_NOT_FOUND', `no node named "${name}": see \`probe node list\``);
}

/** The URL agents should use: server.publicUrl if set, else this host's name and the listen port. */
export function agentServerUrl(config: Config): string {
  if (config.server.publicUrl) return config.server.publicUrl.replace(/^http/, 'ws');
  const port = config.server.listen.slice(config.server.listen.lastIndexOf(':') + 1);
  return `ws://${os.hostname()}:${port}`;
}

export function agentCommand(config: Config, key: string): string {
  return commandsFor(agentServerUrl(config).replace(/^ws/, 'http'), key).agent;
}

/**
 * The commands to start an agent against the server at `base` (http[s]://host[:port]): as is, or
 * installed as a service in one line (Linux and macOS; Windows in PowerShell as administrator).
 */
export function commandsFor(base: string, key: string): { agent: string; install: string; installWindows: string } {
  return {
    agent: `probe agent --server ${base.replace(/^http/, 'ws')} --key ${key}`,
    install: `curl -fsSL ${base}/install.sh | sudo sh -s -- --key ${key}`,
    installWindows: `$env:PROBE_KEY = '${key}'; iwr -useb ${base}/install.ps1 | iex`,
  };
}

export function installCommands(config: Config, key: string): { install: string; installWindows: string } {
  return commandsFor(agentServerUrl(config).replace(/^ws/, 'http'), key);
}
