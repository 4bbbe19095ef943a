/**
 * @module npm packages that only a server configured for them uses (nodemailer, pg), bundled apart
 * from the executable's main script (packaging/bundle.mjs says why) and loaded at first use.
 */
import { readFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { compileFunction } from 'node:vm';
import { buildInfo } from './build-info';
import { ProbeError } from './errors';
import { bundledApart } from './sea';

/** Each package as its CommonJS exports (what `require(name)` gives), and what needs it. */
interface ServerPackages {
  nodemailer: typeof import('nodemailer');
  pg: typeof import('pg');
}
const NEEDED_BY: Record<keyof ServerPackages, string> = { nodemailer: 'email channels', pg: 'store.postgres' };

const loaded = new Map<string, unknown>();

/** The bundle's text: an asset of the executable, or the file beside the running bundle; null from source. */
function bundledText(name: keyof ServerPackages): string | null {
  const file = `pkg-${name}.cjs`;
  if (!buildInfo.server)
    throw new ProbeError(
      'PROBE_ERR_UNSUPPORTED',
      `this probe executable (${buildInfo.target}) carries the agent only: ${NEEDED_BY[name]} work from probe-linux-x64 or probe-linux-arm64`,
    );
  const found = bundledApart(file);
  if (!found) return null;
  return 'code' in found ? found.code : readFileSync(found.file, 'utf8');
}

/**
 * Node's built-ins, and nothing from disk: pg asks for the optional pg-native, which must be
 * missing here (as it is to the executable's own require), not found in some node_modules.
 */
export function builtinsOnly(id: string): unknown {
  if (!isBuiltin(id)) throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
  return createRequire(process.execPath)(id);
}

/** Runs a CommonJS bundle's text with `require`; returns its exports. */
export function runBundle(text: string, filename: string, require: (id: string) => unknown): unknown {
  const module = { exports: {} };
  compileFunction(text, ['module', 'exports', 'require'], { filename })(module, module.exports, require);
  return module.exports;
}

/** `name`, loaded once; `fromSource` imports it where there is no bundle (tests, tsx). */
export async function serverPackage<N extends keyof ServerPackages>(
  name: N,
  fromSource: () => Promise<{ default: unknown }>,
): Promise<ServerPackages[N]> {
  if (!loaded.has(name)) {
    const text = bundledText(name);
    if (text === null) loaded.set(name, (await fromSource()).default);
    else loaded.set(name, runBundle(text, `pkg-${name}.cjs`, builtinsOnly));
  }
  return loaded.get(name) as ServerPackages[N];
}
