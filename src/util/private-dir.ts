/**
 * @module A directory under the OS temp dir that only this user can write: where the executable
 * puts files it later loads or serves (the SQLite addon, compressed downloads).
 */
import { mkdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function privateDir(name: string): string {
  const dir = path.join(os.tmpdir(), `${name}-${process.getuid?.() ?? 'user'}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const owner = statSync(dir);
  // Another user could plant files in a shared temp dir: only use a private one of ours.
  if ((process.getuid && owner.uid !== process.getuid()) || (owner.mode & 0o022) !== 0) {
    throw new Error(`${dir} is not a private directory of this user; remove it and start again`);
  }
  return dir;
}
