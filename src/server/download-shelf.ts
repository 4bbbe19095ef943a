/**
 * @module The executables this server hands out: its own file, and every release file
 * (`probe-<os>-<arch>[.exe]`) lying next to it, each hashed once per version of the file, with
 * its compressed copies: a `.gz` or `.xz` beside it, or a gzip copy made in the background.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { buildInfo } from '../util/build-info';
import { log } from '../util/log';
import { privateDir } from '../util/private-dir';
import { seaAssets } from '../util/sea';

export interface Executable {
  /** Its name under /download/: `probe` for this server's own file, else the release file's name. */
  name: string;
  /** `linux-x64`, `linux-arm64`, `linux-armv7`, `windows-x64`, `darwin-x64`, `darwin-arm64`. */
  platform: string;
  path: string;
  size: number;
  sha256: string;
  /** A gzip copy of the same bytes, if one is ready. */
  gz: string | null;
  /** An xz copy beside it (release builds make them for Linux), if there is one. */
  xz: string | null;
}

const RELEASE_FILE = /^probe-(linux-(?:x64|arm64|armv7)|darwin-(?:x64|arm64)|windows-x64)(?:\.exe)?$/;

const hashes = new Map<string, Promise<string>>();
const gzipping = new Set<string>();

function sha256Of(file: string, version: string): Promise<string> {
  const key = `${file}\0${version}`;
  let hash = hashes.get(key);
  if (!hash) {
    hash = new Promise((resolve, reject) => {
      const h = createHash('sha256');
      createReadStream(file).on('data', (d) => h.update(d)).on('error', reject).on('end', () => resolve(h.digest('hex')));
    });
    hash.catch(() => hashes.delete(key));
    hashes.set(key, hash);
  }
  return hash;
}

/** A compressed copy is good if it is newer than the file it copies (a replaced file outdates it). */
function freshCopy(file: string, mtimeMs: number): string | null {
  try {
    return statSync(file).mtimeMs >= mtimeMs ? file : null;
  } catch {
    return null;
  }
}

/** Where a gzip copy made by this server lives: private, named by the content's hash. */
function madeGzip(sha256: string): string {
  return path.join(privateDir('probe-downloads'), `${sha256}.gz`);
}

/**
 * Starts a gzip copy of `exe` in the background (zlib runs on the thread pool, not the event
 * loop). Downloads go out uncompressed until it is there.
 */
export function gzipLater(exe: Executable): void {
  const target = madeGzip(exe.sha256);
  if (gzipping.has(target) || existsSync(target)) return;
  gzipping.add(target);
  const tmp = `${target}.${process.pid}.tmp`;
  pipeline(createReadStream(exe.path), createGzip({ level: 6 }), createWriteStream(tmp, { mode: 0o600 }))
    .then(() => renameSync(tmp, target))
    .catch((err: Error) => log.warn('could not make a gzip copy of an executable; it is sent uncompressed', { file: exe.path, error: err.message }))
    .finally(() => gzipping.delete(target));
}

async function describe(name: string, platform: string, file: string): Promise<Executable | null> {
  try {
    const s = statSync(file);
    const sha256 = await sha256Of(file, `${s.size}:${s.mtimeMs}`);
    const made = madeGzip(sha256);
    return {
      name,
      platform,
      path: file,
      size: s.size,
      sha256,
      gz: freshCopy(`${file}.gz`, s.mtimeMs) ?? (existsSync(made) ? made : null),
      xz: freshCopy(`${file}.xz`, s.mtimeMs),
    };
  } catch {
    return null;
  }
}

/**
 * This server's own executable first, then the release files beside it (one per platform: the
 * own file stands for its platform). Empty when running from source.
 */
export async function executables(self = seaAssets() ? process.execPath : null, selfPlatform = buildInfo.target): Promise<Executable[]> {
  if (!self) return [];
  const found = [describe('probe', selfPlatform, self)];
  const seen = new Set([selfPlatform]);
  let files: string[] = [];
  try {
    files = readdirSync(path.dirname(self)).sort();
  } catch {
    // Only its own file, then.
  }
  for (const name of files) {
    const platform = RELEASE_FILE.exec(name)?.[1];
    if (!platform || seen.has(platform)) continue;
    seen.add(platform);
    found.push(describe(name, platform, path.join(path.dirname(self), name)));
  }
  return (await Promise.all(found)).filter((e): e is Executable => e !== null);
}
