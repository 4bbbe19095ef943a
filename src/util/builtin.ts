/**
 * @module Node built-ins that only some configurations use (tls, child_process, dns/promises,
 * crypto, http), loaded at first use rather than at startup: tls alone put ~4 MB on an agent's RSS,
 * http and crypto together ~2.3 MB.
 */
import { createRequire } from 'node:module';

interface LazyBuiltins {
  'node:child_process': typeof import('node:child_process');
  'node:crypto': typeof import('node:crypto');
  'node:http': typeof import('node:http');
  'node:dns/promises': typeof import('node:dns/promises');
  'node:tls': typeof import('node:tls');
}

/**
 * The built-in `id`. `process.getBuiltinModule` is Node ≥ 20.16 (armv7's agent has 20.11); a
 * require made for the executable loads built-ins in a bundle, in the executable and from source.
 */
export function builtin<ID extends keyof LazyBuiltins>(id: ID): LazyBuiltins[ID] {
  const get = process.getBuiltinModule as ((id: string) => unknown) | undefined;
  return (get?.(id) ?? createRequire(process.execPath)(id)) as LazyBuiltins[ID];
}
