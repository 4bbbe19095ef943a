/**
 * @module A small tmpfs of the test's own, to fill up: full disks for real (ENOSPC, SQLITE_FULL),
 * no mocks. Needs root (mount); a test that cannot mount fails and says why.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Tmpfs {
  dir: string;
  /** Fills what is left with one file of zeros (dd until ENOSPC). */
  fill(): void;
  /** Deletes that file: the space is back. */
  free(): void;
  unmount(): void;
}

/** Mounts a tmpfs of `size` (`48m`, `256k`) at a new temp directory, unmounted and removed after the test. */
export function mountTmpfs(t: { after(fn: () => void): void }, size: string): Tmpfs {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'probe-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `cannot mount a tmpfs for a full disk (this test needs root and mount): ${(err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message}`,
    );
  }
  const filler = path.join(dir, 'filler');
  let mounted = true;
  const unmount = () => {
    if (!mounted) return;
    mounted = false;
    // Lazy: a process of the test may still hold a file open there.
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    rmSync(dir, { recursive: true, force: true });
  };
  t.after(unmount);
  return {
    dir,
    fill() {
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k'], { stdio: 'pipe' });
      } catch {
        // dd ends with "No space left on device": the point.
      }
    },
    free: () => rmSync(filler, { force: true }),
    unmount,
  };
}
