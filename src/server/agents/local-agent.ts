/**
 * @module `probe server --local-agent`: an agent inside the server process reporting this machine,
 * over a real loopback WebSocket like any other agent. Its key is replaced at every start, since
 * keys are stored only as hashes.
 */
import os from 'node:os';
import { runAgent } from '../../agent/run-agent';
import type { RunningAgent } from '../../agent/run-agent';
import type { Store } from '../../store/store';
import { generateKey, hashKey } from '../fleet/keys';

export function startLocalAgent(store: Store, serverUrl: string, intervalMs: number, stateDir: string, now: number): RunningAgent {
  const key = generateKey();
  const existing = store.listNodes().find((n) => n.isLocal);
  if (existing) {
    store.setKeyHash(existing.name, hashKey(key));
  } else {
    const taken = new Set(store.listNodes().map((n) => n.name));
    const base = os.hostname() || 'local';
    const name = taken.has(base) ? `${base}-local` : base;
    store.addNode({ name, group: '', location: '', keyHash: hashKey(key), isLocal: true }, now);
  }
  // It talks to this very process over loopback; with TLS on, the certificate names the public
  // host, not 127.0.0.1, so it is not checked (nothing leaves the machine).
  return runAgent({ servers: [serverUrl], key, intervalMs, stateDir, insecureLoopback: serverUrl.startsWith('wss:') });
}
