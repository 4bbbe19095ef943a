// better-sqlite3's addon for a Linux target's Node, built from the installed package's sources
// against that Node's headers (a cross compiler for arm64), with glibc-compat/ so it needs no
// newer glibc than Node itself (2.28). Cached in .cache/release/addon/ by everything it depends on.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { quietly, root } from './bundle.mjs';
import { TARGETS, cacheDir, nodePackage } from './targets.mjs';

const require = createRequire(import.meta.url);
const compatDir = path.join(root, 'packaging/glibc-compat');

/** node-gyp as npm ships it (npm names it for scripts; else next to this Node's npm). */
function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(path.dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  ];
  const found = candidates.find((p) => p && existsSync(p));
  if (!found) throw new Error('node-gyp not found: run through `npm run release`, which names it');
  return found;
}

function run(command, argv, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${argv.join(' ')} failed:\n${output.slice(-4000)}`)),
    );
  });
}

/** The path of the addon for `target`, built if no cached one matches. */
export async function buildAddon(target) {
  const t = TARGETS[target];
  const pkgDir = path.dirname(require.resolve('better-sqlite3/package.json'));
  const version = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version;
  const key = createHash('sha256')
    .update(
      [version, t.version, target, readFileSync(path.join(compatDir, 'compat.h')), readFileSync(path.join(compatDir, 'compat.cc'))].join(
        '\0',
      ),
    )
    .digest('hex')
    .slice(0, 16);
  const out = path.join(cacheDir, 'addon', `better_sqlite3-${target}-${key}.node`);
  if (existsSync(out)) return out;

  const nodeDir = nodePackage(target);
  const work = path.join(cacheDir, 'addon', `work-${target}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  for (const part of ['binding.gyp', 'deps', 'src', 'package.json'])
    cpSync(path.join(pkgDir, part), path.join(work, part), { recursive: true });
  const cc = `${t.toolchain}gcc`;
  const cxx = `${t.toolchain}g++`;
  const compat = path.join(work, 'compat.o');
  try {
    quietly(cxx, ['-c', '-fPIC', '-O2', path.join(compatDir, 'compat.cc'), '-o', compat]);
  } catch (err) {
    const debian = t.toolchain ? `g++-${t.toolchain.slice(0, -1).replace(/_/g, '-')}` : 'g++';
    throw new Error(`cannot compile for ${target} with ${cxx} (${err.message.split('\n')[0]}): apt-get install ${debian}`);
  }
  const include = `-include ${path.join(compatDir, 'compat.h')}`;
  // npm passes its config down (here nodedir=/usr, this machine's Node 20 headers), and node-gyp
  // would take it over --nodedir.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_config_')));
  const env = {
    ...inherited,
    CC: cc,
    CXX: cxx,
    LINK: cxx,
    AR: `${t.toolchain}ar`,
    CC_host: 'gcc',
    CXX_host: 'g++',
    LINK_host: 'g++',
    AR_host: 'ar',
    CFLAGS: include,
    CXXFLAGS: include,
    LDFLAGS: compat,
  };
  await run(process.execPath, [nodeGyp(), 'rebuild', `--arch=${t.gypArch}`, `--nodedir=${nodeDir}`, '--jobs=2'], { cwd: work, env });
  mkdirSync(path.dirname(out), { recursive: true });
  copyFileSync(path.join(work, 'build/Release/better_sqlite3.node'), `${out}.tmp`);
  quietly(`${t.toolchain}strip`, ['--strip-unneeded', `${out}.tmp`]);
  cpSync(`${out}.tmp`, out);
  rmSync(`${out}.tmp`);
  rmSync(work, { recursive: true, force: true });
  writeFileSync(`${out}.txt`, `better-sqlite3 ${version} for Node ${t.version} ${target}\n`);
  return out;
}
