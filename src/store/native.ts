/**
 * @module Inside the single executable, better-sqlite3's native addon is an embedded asset:
 * written once to a content-addressed file in the temp dir and loaded with process.dlopen
 * (the executable's require() only loads built-in modules).
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildInfo } from '../util/build-info';
import { ProbeError } from '../util/errors';
import { privateDir } from '../util/private-dir';
import { seaAssets } from '../util/sea';

/**
 * The path of the addon written out of the single executable, or undefined when running from
 * source (better-sqlite3 finds its own). A worker thread loads the same file (remote write's).
 */
export function embeddedSqliteAddonFile(): string | undefined {
  if (!buildInfo.server) {
    throw new ProbeError(
      'PROBE_ERR_UNSUPPORTED',
      `this probe executable (${buildInfo.target}) carries the agent only: ` +
        'run the server, and the commands that open its database, from probe-linux-x64 or probe-linux-arm64',
    );
  }
  const sea = seaAssets();
  if (!sea) return undefined;
  const bytes = Buffer.from(sea.getRawAsset('better_sqlite3.node'));
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const file = path.join(privateDir('probe-native'), `better_sqlite3-${hash}.node`);
  if (!existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes, { mode: 0o500 });
    renameSync(tmp, file);
  }
  return file;
}

/**
 * The addon file this process has loaded, for a worker thread to load the same: the one written
 * out of the executable, else the one better-sqlite3 found (in require's cache; its own search,
 * run from a bundle in a worker thread, looks in the wrong place). Call after opening a database.
 */
export function loadedSqliteAddonFile(): string | undefined {
  const embedded = embeddedSqliteAddonFile();
  if (embedded) return embedded;
  return Object.keys(createRequire(process.execPath).cache).find((file) => path.basename(file) === 'better_sqlite3.node');
}

/** The addon's exports from `file` (a path from the functions above), or undefined to let better-sqlite3 find it. */
export function loadSqliteAddon(file: string | undefined): object | undefined {
  if (file === undefined) return undefined;
  const module = { exports: {} };
  process.dlopen(module, file);
  return module.exports;
}

/** The addon's exports when running as the single executable, or undefined to let better-sqlite3 find it. */
export function embeddedSqliteBinding(): object | undefined {
  return loadSqliteAddon(embeddedSqliteAddonFile());
}
