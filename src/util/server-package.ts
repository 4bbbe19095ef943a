/**
 * @module npm packages that only a server configured for them uses (nodemailer, pg), bundled apart
 * from the executable's main script (packaging/bundle.mjs says why) and loaded at first use: from
 * the executable's assets, from beside dist/probe.cjs, or, running from source, by import().
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { compileFunction } from 'node:vm';
import { seaAssets } from './sea';

/** Each package as its CommonJS exports (what `require(name)` gives). */
interface ServerPackages {
  nodemailer: typeof import('nodemailer');
  pg: typeof import('pg');
}

const loaded = new Map<string, unknown>();

/** The bundle's text: an asset of the executable, or the file beside the running bundle; null from source. */
function bundledText(name: string): string | null {
  const file = `pkg-${name}.cjs`;
  const sea = seaAssets();
  if (sea) return Buffer.from(sea.getAsset(file)).toString('utf8');
  const beside = typeof __filename === 'string' ? path.join(path.dirname(__filename), file) : null;
  return beside && existsSync(beside) ? readFileSync(beside, 'utf8') : null;
}

/** `name`, loaded once; `fromSource` imports it where there is no bundle (tests, tsx). */
export async function serverPackage<N extends keyof ServerPackages>(
  name: N,
  fromSource: () => Promise<{ default: unknown }>,
): Promise<ServerPackages[N]> {
  if (!loaded.has(name)) {
    const text = bundledText(name);
    if (text === null) loaded.set(name, (await fromSource()).default);
    else {
      const module = { exports: {} };
      // Its requires are Node's built-ins only; a require that resolves them from the executable will do.
      compileFunction(text, ['module', 'exports', 'require'], { filename: `pkg-${name}.cjs` })(
        module,
        module.exports,
        createRequire(process.execPath),
      );
      loaded.set(name, module.exports);
    }
  }
  return loaded.get(name) as ServerPackages[N];
}
