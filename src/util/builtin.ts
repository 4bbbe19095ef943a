/**
 * @module Node built-ins that only some configurations use, loaded the first time one is asked
 * for rather than when the executable starts: tls (wss://, https checks), child_process (ping,
 * commands, nvidia-smi) and dns (names to probe). Loading tls alone put ~4 MB on the RSS of an
 * agent that never opens a TLS connection (Node 22, `require('tls')` beside http and net).
 */

interface LazyBuiltins {
  'node:child_process': typeof import('node:child_process');
  'node:dns/promises': typeof import('node:dns/promises');
  'node:http': typeof import('node:http');
  'node:tls': typeof import('node:tls');
}

/**
 * The built-in `id`. `process.getBuiltinModule` is Node ≥ 20.16; the armv7 agent's Node 20.11
 * runs the CommonJS bundle, whose `require` loads built-ins.
 */
export function builtin<ID extends keyof LazyBuiltins>(id: ID): LazyBuiltins[ID] {
  const get = process.getBuiltinModule as ((id: string) => unknown) | undefined;
  return (get?.(id) ?? require(id)) as LazyBuiltins[ID];
}
