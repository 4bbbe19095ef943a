/**
 * @module The server's code in a built executable: a bundle apart from the main script
 * (server-part.cjs; packaging/bundle.mjs makes it and says why), loaded at the first server
 * command. Only bundles call this: there, the CLI's imports of the server's entry modules are
 * replaced by it. From source those imports stay plain.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { buildInfo } from './build-info';
import { ProbeError } from './errors';
import { bundledApart } from './sea';
import { builtinsOnly, runBundle } from './server-package';

export const SERVER_PART_FILE = 'server-part.cjs';

let loaded: Record<string, unknown> | null = null;

/**
 * The part's entry modules by path (`src/server/run-server.ts`: its exports), loaded once. `main`
 * holds the modules the main script shares with the part, by path: the part takes them from it
 * (`require('probe:main')`), so each exists once in the process (one log level, one ProbeError).
 */
export function loadServerPart(main: Record<string, unknown>): Record<string, unknown> {
  if (loaded) return loaded;
  if (!buildInfo.server)
    throw new ProbeError(
      'PROBE_ERR_UNSUPPORTED',
      `this probe executable (${buildInfo.target}) carries the agent only: the server and its commands are in probe-linux-x64 and probe-linux-arm64`,
    );
  const found = bundledApart(SERVER_PART_FILE);
  if (!found)
    throw new ProbeError(
      'PROBE_ERR_UNSUPPORTED',
      `${SERVER_PART_FILE} is missing: it belongs beside probe.cjs, as the build leaves it in dist/`,
    );
  // In the executable, built-ins only (SQLite's addon comes from its assets); beside dist/probe.cjs,
  // a require of that place too, where better-sqlite3 finds its addon as the main script would.
  const [text, file, other] =
    'code' in found
      ? [found.code, path.join(path.dirname(process.execPath), SERVER_PART_FILE), builtinsOnly]
      : [readFileSync(found.file, 'utf8'), found.file, createRequire(found.file)];
  const exports = runBundle(text, file, (id) => (id === 'probe:main' ? main : other(id))) as { default: Record<string, unknown> };
  loaded = exports.default;
  return loaded;
}
