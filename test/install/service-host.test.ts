/**
 * The Windows service host compiles with Debian's mingw-w64 (.ci/run installs
 * gcc-mingw-w64-x86-64) into a small x64 executable that needs no DLL beyond Windows' own, and the
 * same source gives the same bytes. test/install/wine-service.test.ts runs it as a service.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../helpers';
import { buildServiceHost } from './build-host';

test('probe-service.exe: compiles without warnings to a small x64 Windows executable importing only system DLLs, reproducibly', async (t) => {
  const dir = tempDir(t, 'probe-service-');
  const [first, second] = await Promise.all([
    buildServiceHost(path.join(dir, 'a/probe-service.exe')),
    buildServiceHost(path.join(dir, 'b/probe-service.exe')),
  ]);
  const exe = readFileSync(first);
  assert.equal(exe.subarray(0, 2).toString('latin1'), 'MZ');
  const pe = exe.readUInt32LE(0x3c);
  assert.equal(exe.subarray(pe, pe + 4).toString('latin1'), 'PE\0\0');
  assert.equal(exe.readUInt16LE(pe + 4), 0x8664, 'x86-64');
  assert.ok(exe.length < 128 * 1024, `${exe.length} bytes`);
  assert.ok(readFileSync(second).equals(exe), 'the same bytes from the same source');
  const dump = execFileSync('x86_64-w64-mingw32-objdump', ['-p', first], { encoding: 'utf8' });
  const dlls = [...dump.matchAll(/DLL Name: (\S+)/g)].map((m) => m[1]!.toLowerCase()).sort();
  assert.deepEqual(dlls, ['advapi32.dll', 'kernel32.dll', 'msvcrt.dll', 'shell32.dll']);
});
