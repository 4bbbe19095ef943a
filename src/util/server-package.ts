/**
 * @module npm packages that only a server configured for them uses (nodemailer, pg), bundled apart
 * from the executable's main script (packaging/bundle.mjs says why) and loaded at first use.
 */
import { readFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import path from 'node:path';
import { compileFunction, constants } from 'node:vm';
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

/**
 * Runs a CommonJS bundle's text with `require`; returns its exports. `filename` is the file it
 * came from (its `__filename`), or a name for one embedded in the executable.
 */
export function runBundle(text: string, filename: string, require: (id: string) => unknown): unknown {
  const module = { exports: {} };
  // import() inside it loads as the main script's would (Node >= 20.12; only a bundle without its
  // pkg-*.cjs falls back to one).
  const importModuleDynamically = (constants as Partial<typeof constants>).USE_MAIN_CONTEXT_DEFAULT_LOADER;
  compileFunction(text, ['module', 'exports', 'require', '__filename', '__dirname'], {
    filename,
    ...(importModuleDynamically ? { importModuleDynamically } : {}),
  })(module, module.exports, require, filename, path.dirname(filename));
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
