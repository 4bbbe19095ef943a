/**
 * @module The executables this server hands out: its own file, and every release file
 * (`probe-<os>-<arch>[.exe]`) lying next to it, each hashed once per version of the file, with
 * its compressed copies: a `.gz` or `.xz` beside it that the release's SHA256SUMS vouches for
 * (copied folders get new modification times in any order, so times prove nothing), or a gzip
 * copy made in the background.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { buildInfo } from '../../util/build-info';
import { log } from '../../util/log';
import { privateDir } from '../../util/private-dir';
import { seaAssets } from '../../util/sea';

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
      createReadStream(file)
        .on('data', (d) => h.update(d))
        .on('error', reject)
        .on('end', () => resolve(h.digest('hex')));
    });
    hash.catch(() => hashes.delete(key));
    hashes.set(key, hash);
  }
  return hash;
}

/** The `sha256  name` lines of the SHA256SUMS in `dir`, if there is one. */
function releaseSums(dir: string): Map<string, string> {
  const sums = new Map<string, string>();
  try {
    for (const line of readFileSync(path.join(dir, 'SHA256SUMS'), 'utf8').split('\n')) {
      const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
      if (m) sums.set(m[2]!, m[1]!);
    }
  } catch {
    // No release beside it: no copies to vouch for.
  }
  return sums;
}

/** `file` + `ext`, if SHA256SUMS lists the executable as it is now and the copy as it is now. */
async function vouchedCopy(file: string, sha256: string, ext: string, sums: Map<string, string>): Promise<string | null> {
  const copy = `${file}${ext}`;
  const name = path.basename(file);
  if (sums.get(name) !== sha256 || !sums.has(`${name}${ext}`)) return null;
  try {
    const s = statSync(copy);
    return (await sha256Of(copy, `${s.size}:${s.mtimeMs}`)) === sums.get(`${name}${ext}`) ? copy : null;
  } catch {
    return null;
  }
}

/** Where a gzip copy made by this server lives: private, named by the content's hash. */
function madeGzip(sha256: string): string {
  return path.join(privateDir('probe-downloads'), `${sha256}.gz`);
}

/** Copies made by this user's servers that went unused this long are removed when a new one is made. */
export const STALE_COPY_MS = 7 * 24 * 3600_000;

/**
 * Removes the gzip copies (and unfinished ones) in `dir` last written or used more than
 * STALE_COPY_MS before `now`, except `keep`: each version of the executable leaves a copy of about
 * 36 MB in the temp dir, and a server upgraded in place would pile them up.
 */
export function pruneCopies(dir: string, keep: string, now: number): number {
  let removed = 0;
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (file === keep || !/\.gz(\.\d+\.tmp)?$/.test(name)) continue;
    try {
      const s = statSync(file);
      if (now - Math.max(s.mtimeMs, s.atimeMs) < STALE_COPY_MS) continue;
      rmSync(file, { force: true });
      removed++;
    } catch {
      // gone meanwhile
    }
  }
  return removed;
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
    .then(() => {
      renameSync(tmp, target);
      const removed = pruneCopies(path.dirname(target), target, Date.now());
      if (removed > 0) log.info('removed gzip copies of executables unused for a week', { count: removed });
    })
    .catch((err: Error) =>
      log.warn('could not make a gzip copy of an executable; it is sent uncompressed', { file: exe.path, error: err.message }),
    )
    .finally(() => gzipping.delete(target));
}

async function describe(name: string, platform: string, file: string, sums: Map<string, string>): Promise<Executable | null> {
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
      gz: (await vouchedCopy(file, sha256, '.gz', sums)) ?? (existsSync(made) ? made : null),
      xz: await vouchedCopy(file, sha256, '.xz', sums),
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
  const sums = releaseSums(path.dirname(self));
  const found = [describe('probe', selfPlatform, self, sums)];
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
    found.push(describe(name, platform, path.join(path.dirname(self), name), sums));
  }
  return (await Promise.all(found)).filter((e): e is Executable => e !== null);
}
