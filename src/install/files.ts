/**
 * @module How `probe install` puts files in place: through a temp file and a rename, so a reader
 * (or a running copy of the executable) never sees half a file.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Writes `data` to `file` with `mode`, creating its folder (0755) if needed. */
export function replaceFile(file: string, data: string | Uint8Array, mode: number): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, file);
}

/**
 * Copies the executable `from` to `to` (0755); false when `to` already is `from` (native realpath:
 * on Windows it also settles the case of letters).
 */
export function placeExecutable(from: string, to: string): boolean {
  if (existsSync(to) && realpathSync.native(to) === realpathSync.native(from)) return false;
  mkdirSync(path.dirname(to), { recursive: true, mode: 0o755 });
  const tmp = `${to}.tmp-${process.pid}`;
  copyFileSync(from, tmp);
  chmodSync(tmp, 0o755);
  renameSync(tmp, to);
  return true;
}
