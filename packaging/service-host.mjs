// The Windows service host (src/install/windows/probe-service.c) compiled with Debian's mingw-w64:
// the release embeds it in probe-windows-x64.exe as the asset probe-service.exe. Plain Win32 and
// msvcrt, no other DLL; no time stamp in the PE header, so the same source gives the same bytes.
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
export const SERVICE_HOST_SOURCE = path.join(root, 'src/install/windows/probe-service.c');
const CC = 'x86_64-w64-mingw32-gcc';
const FLAGS = [
  '-std=c11',
  '-O2',
  '-s',
  '-municode',
  '-Wall',
  '-Wextra',
  '-Wno-missing-field-initializers',
  '-Werror',
  '-Wl,--no-insert-timestamp',
];

/** Compiles the host to `outFile`; fails naming the Debian package when the compiler is missing. */
export async function buildServiceHost(outFile) {
  mkdirSync(path.dirname(outFile), { recursive: true });
  try {
    await promisify(execFile)(CC, [...FLAGS, '-o', outFile, SERVICE_HOST_SOURCE, '-ladvapi32', '-lshell32']);
  } catch (err) {
    if (err.code === 'ENOENT')
      throw new Error(
        `${CC} not found: the Windows service host needs Debian's mingw-w64 cross compiler (apt-get install gcc-mingw-w64-x86-64)`,
      );
    throw new Error(`${CC} failed to compile ${path.relative(root, SERVICE_HOST_SOURCE)}:\n${err.stderr || err.message}`);
  }
  return outFile;
}
