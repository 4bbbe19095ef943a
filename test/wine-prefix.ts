/**
 * @module Wine prefixes that say Windows 10 (Node 22 refuses to start on what Wine reports by
 * default), copied from one made once per machine, user and Wine version into the user's cache
 * ($XDG_CACHE_HOME or ~/.cache, `probe-tests/`), so a fresh clone finds it too: making one (wineboot,
 * winecfg) took ~17 s of every Wine test, copying it takes well under a second.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { testCache } from './helpers';

export const WINE = '/usr/lib/wine/wine64';
const WINESERVER = '/usr/lib/wine/wineserver';

const baseEnv = (prefix: string): NodeJS.ProcessEnv => ({
  ...process.env,
  WINEPREFIX: prefix,
  WINEDEBUG: '-all',
  WINEDLLOVERRIDES: 'mscoree,mshtml=',
});

/** The machine's template prefix, made if missing (by whichever test gets there first). */
function template(): string {
  const version = execFileSync(WINE, ['--version'], { encoding: 'utf8' })
    .trim()
    .replace(/[^\w.-]+/g, '_');
  const dir = testCache(`wine-prefix-${version}`);
  if (existsSync(path.join(dir, 'system.reg'))) return dir;
  const building = `${dir}.${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  const env = baseEnv(building);
  execFileSync(WINE, ['winecfg', '-v', 'win10'], { env, stdio: 'ignore', timeout: 180_000 });
  // The registry is written when the prefix's wineserver exits.
  spawnSync(WINESERVER, ['-w'], { env, timeout: 60_000 });
  try {
    renameSync(building, dir);
  } catch {
    rmSync(building, { recursive: true, force: true }); // another test made it meanwhile
  }
  return dir;
}

/** A fresh prefix at `prefix` (copied from the template); returns the environment to run wine64 with. */
export function winePrefix(prefix: string): NodeJS.ProcessEnv {
  mkdirSync(path.dirname(prefix), { recursive: true });
  const copy = spawnSync('cp', ['-a', template(), prefix]);
  if (copy.status !== 0) throw new Error(`copying the Wine prefix failed: ${copy.stderr}`);
  return baseEnv(prefix);
}
