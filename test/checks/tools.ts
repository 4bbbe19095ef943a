/**
 * @module The system tools the check tests need: a test fails (never skips) naming the Debian
 * package to install when one is missing.
 */
import { spawnSync } from 'node:child_process';

/** Throws "… apt-get install <package>" if `command` cannot be run. */
export function requireTool(command: string, debianPackage: string): void {
  const ran = spawnSync(command, ['-V'], { stdio: 'ignore' });
  if ((ran.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new Error(`"${command}" is not installed; this test needs it: apt-get install ${debianPackage}`);
  }
}
