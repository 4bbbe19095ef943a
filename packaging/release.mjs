// `npm run release`: every platform's executable into dist/release/, offline but for the npm
// registry (the Node binaries come from its packages). Linux x64 and arm64 carry the server
// (SQLite addon built here with glibc-compat/); armv7, Windows and macOS carry the agent.
// Next to each executable: `.gz` (served to clients that accept gzip) and, for Linux, `.xz`
// (what install.sh fetches where xz exists); SHA256SUMS lists every file.
//   node packaging/release.mjs [--targets linux-x64,linux-arm64] [--out DIR] [--no-compress] [--if-stale]
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { buildAddon } from './addon.mjs';
import {
  buildCli,
  buildPage,
  buildServerPackages,
  buildWriterThread,
  injectBlob,
  makeBlob,
  pageAssets,
  root,
  SERVER_PART,
  upToDate,
} from './bundle.mjs';
import { TARGETS, cacheDir, fileName, nodePackage } from './targets.mjs';

const args = process.argv.slice(2);
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const targets = option('--targets')?.split(',') ?? Object.keys(TARGETS);
for (const t of targets) if (!TARGETS[t]) throw new Error(`unknown target ${t}: one of ${Object.keys(TARGETS).join(', ')}`);
const outDir = path.resolve(option('--out') ?? path.join(root, 'dist/release'));
const compress = !args.includes('--no-compress');
const work = path.join(cacheDir, 'work');
const complete = () =>
  targets.every((t) => existsSync(path.join(outDir, fileName(t))) && (!compress || existsSync(path.join(outDir, `${fileName(t)}.gz`))));
if (args.includes('--if-stale') && upToDate(path.join(outDir, 'SHA256SUMS')) && complete()) {
  console.log(`${path.relative(root, outDir)} is up to date`);
  process.exit(0);
}
const started = Date.now();
const step = (text) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${text}`);

function sha256(file) {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (d) => hash.update(d))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** `command args… file` with its output into `out`. */
function compressInto(out, command, args, hint) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((done) => child.on('close', done));
    child.on('error', (err) => reject(new Error(`${command}: ${err.message} (${hint})`)));
    pipeline(child.stdout, createWriteStream(out))
      .then(() => exited)
      .then((code) => (code === 0 ? resolve() : reject(new Error(`${command} exited ${code}`))), reject);
  });
}

/**
 * libdeflate's level 12 writes plain gzip ~7 % smaller than gzip -9 (38.1 against 41.2 MB for
 * linux-x64): that is what brings a Linux binary under 40 MB for every gzip client.
 */
const gzip = (file) => compressInto(`${file}.gz`, 'libdeflate-gzip', ['-12', '-c', file], 'apt-get install libdeflate-tools');
const xz = (file) => compressInto(`${file}.xz`, 'xz', ['-6', '-T1', '-c', file], 'apt-get install xz-utils');

/** Runs the jobs two at a time (this machine's cores). */
async function twoAtATime(jobs) {
  const queue = [...jobs];
  await Promise.all(
    [0, 1].map(async () => {
      for (let job = queue.shift(); job; job = queue.shift()) await job();
    }),
  );
}

// `--targets` rebuilds those and keeps the other files (SHA256SUMS is written anew over all).
if (option('--targets'))
  for (const t of targets) for (const ext of ['', '.gz', '.xz']) rmSync(path.join(outDir, `${fileName(t)}${ext}`), { force: true });
else rmSync(outDir, { recursive: true, force: true });
rmSync(work, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
mkdirSync(work, { recursive: true });

step('page');
await buildPage(path.join(work, 'web'));
step(`Node runtimes (npm packages): ${targets.map((t) => `${TARGETS[t].pkg}@${TARGETS[t].version}`).join(', ')}`);
const packages = Object.fromEntries(['linux-x64', ...targets].map((t) => [t, nodePackage(t)]));
// Every 64-bit blob comes from linux-x64's Node 22 (the blob must match the runtime's version).
const blobNode = path.join(packages['linux-x64'], TARGETS['linux-x64'].bin);

step('SQLite addons for the server targets (minutes the first time; cached after)');
const serverTargets = targets.filter((t) => TARGETS[t].server);
const addons = Object.fromEntries(await Promise.all(serverTargets.map(async (t) => [t, await buildAddon(t)])));

let serviceHost = null;
if (targets.includes('windows-x64') && existsSync(path.join(root, 'packaging/service-host.mjs'))) {
  const { buildServiceHost } = await import('./service-host.mjs');
  serviceHost = path.join(work, 'probe-service.exe');
  await buildServiceHost(serviceHost);
}

for (const target of targets) {
  const t = TARGETS[target];
  step(`${fileName(target)} (Node ${t.version}, ${t.server ? 'server and agent' : 'agent only'})`);
  const dir = path.join(work, target);
  mkdirSync(dir, { recursive: true });
  await buildCli(path.join(dir, 'probe.cjs'), { target, server: t.server });
  if (t.server) await buildWriterThread(path.join(dir, 'remote-writer.cjs'), { target, server: true });
  const serverPackages = t.server ? await buildServerPackages(dir) : {};
  const assets = t.server
    ? {
        'better_sqlite3.node': addons[target],
        'remote-writer.cjs': path.join(dir, 'remote-writer.cjs'),
        [SERVER_PART]: path.join(dir, SERVER_PART),
        ...serverPackages,
        ...pageAssets(path.join(work, 'web')),
      }
    : {};
  if (target === 'windows-x64' && serviceHost) assets['probe-service.exe'] = serviceHost;
  const runtime = path.join(packages[target], t.bin);
  makeBlob({
    main: path.join(dir, 'probe.cjs'),
    blob: path.join(dir, 'sea.blob'),
    assets,
    blobNode: t.ownBlob ? [...t.qemu, runtime] : [blobNode],
    codeCache: target === 'linux-x64',
  });
  injectBlob({
    nodeBinary: runtime,
    out: path.join(outDir, fileName(target)),
    blob: path.join(dir, 'sea.blob'),
    macho: t.macho,
    strip: t.strip,
  });
}

if (compress) {
  step('compressing: gzip (libdeflate -12) for every file, xz -6 for Linux');
  const file = (t) => path.join(outDir, fileName(t));
  await twoAtATime([
    ...targets.map((t) => () => gzip(file(t))),
    ...targets.filter((t) => t.startsWith('linux-')).map((t) => () => xz(file(t))),
  ]);
}

const files = readdirSync(outDir)
  .filter((f) => f !== 'SHA256SUMS')
  .sort();
const sums = await Promise.all(files.map(async (f) => `${await sha256(path.join(outDir, f))}  ${f}`));
writeFileSync(path.join(outDir, 'SHA256SUMS'), `${sums.join('\n')}\n`);
rmSync(work, { recursive: true, force: true });

const mb = (f) => (existsSync(f) ? `${(statSync(f).size / 1e6).toFixed(1)} MB` : '-');
console.log(`\n${'file'.padEnd(24)} ${'size'.padStart(9)} ${'gzip'.padStart(9)} ${'xz'.padStart(9)}  roles`);
for (const target of targets) {
  const f = path.join(outDir, fileName(target));
  console.log(
    `${fileName(target).padEnd(24)} ${mb(f).padStart(9)} ${mb(`${f}.gz`).padStart(9)} ${mb(`${f}.xz`).padStart(9)}  ${TARGETS[target].server ? 'server, agent' : 'agent'}`,
  );
}
step(`done: ${outDir}`);
