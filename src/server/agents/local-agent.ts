/**
 * @module `probe server --local-agent`: an agent inside the server process reporting this machine,
 * over a real loopback WebSocket like any other agent. Its key is replaced at every start, since
 * keys are stored only as hashes. With store.postgres the node is the registry's like any other
 * (each server of the cluster reports its own machine); this server remembers which is its own.
 */
import os from 'node:os';
import { runAgent } from '../../agent/run-agent';
import type { RunningAgent } from '../../agent/run-agent';
import type { PgRegistry } from '../../store/pg-registry';
import type { Store } from '../../store/store';
import { ProbeError } from '../../util/errors';
import { generateKey, hashKey } from '../fleet/keys';

/** This server's own setting (not shared): the id of the registry node its local agent reports as. */
export const LOCAL_NODE_SETTING = 'cluster.localNode';

export type NodeRegistry = Pick<PgRegistry, 'addNode' | 'setKeyHash' | 'pull'>;

/** The machine's name, and the first of `name-2`, `name-3`… not taken if it is. */
function freeName(store: Store, base: string): string {
  const taken = new Set(store.listNodes().map((n) => n.name));
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  return name;
}

/** Gives the local node a new key (adding the node the first time) and returns the key. */
async function keyInRegistry(store: Store, registry: NodeRegistry, now: number): Promise<string> {
  const key = generateKey();
  const id = Number(store.getSetting(LOCAL_NODE_SETTING));
  const mine = store.listNodes().find((n) => n.id === id);
  if (mine) {
    await registry.setKeyHash(mine.name, hashKey(key));
    return key;
  }
  // Another server may take the same name meanwhile (machines named alike): then the next one.
  for (let attempt = 0; ; attempt++) {
    try {
      const node = await registry.addNode(
        { name: freeName(store, os.hostname() || 'local'), group: '', location: '', keyHash: hashKey(key) },
        now,
      );
      store.putSetting(LOCAL_NODE_SETTING, String(node.id));
      return key;
    } catch (err) {
      if (!(err instanceof ProbeError && err.code === 'PROBE_ERR_EXISTS') || attempt === 3) throw err;
      await registry.pull();
    }
  }
}

function keyInStore(store: Store, now: number): string {
  const key = generateKey();
  const existing = store.listNodes().find((n) => n.isLocal);
  if (existing) store.setKeyHash(existing.name, hashKey(key));
  else {
    const base = os.hostname() || 'local';
    const name = store.listNodes().some((n) => n.name === base) ? `${base}-local` : base;
    store.addNode({ name, group: '', location: '', keyHash: hashKey(key), isLocal: true }, now);
  }
  return key;
}

export async function startLocalAgent(
  store: Store,
  serverUrl: string,
  intervalMs: number,
  stateDir: string,
  now: number,
  registry: NodeRegistry | null = null,
): Promise<RunningAgent> {
  const key = registry ? await keyInRegistry(store, registry, now) : keyInStore(store, now);
  // It talks to this very process over loopback; with TLS on, the certificate names the public
  // host, not 127.0.0.1, so it is not checked (nothing leaves the machine).
  return runAgent({ servers: [serverUrl], key, intervalMs, stateDir, insecureLoopback: serverUrl.startsWith('wss:') });
}
