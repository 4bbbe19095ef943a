// Builds dist/probe for this machine: the page (esbuild) and the server+agent bundle (esbuild)
// packed into a Node single-executable application with the page and better-sqlite3's addon as
// assets, on the Node running this script. `npm run release` builds every platform (packaging/).
// `--if-stale` skips the work when dist/probe is newer than every input.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  buildCli,
  buildPage,
  buildServerPackages,
  buildWriterThread,
  hostAddon,
  injectBlob,
  makeBlob,
  pageAssets,
  SERVER_PART,
  root,
  upToDate,
} from './packaging/bundle.mjs';

const dist = path.join(root, 'dist');
const out = path.join(dist, 'probe');
const args = process.argv.slice(2);
const nodeIndex = args.indexOf('--node');
const nodeBinary = nodeIndex >= 0 ? path.resolve(args[nodeIndex + 1]) : process.execPath;

if (args.includes('--if-stale') && upToDate(out)) {
  console.log('dist/probe is up to date');
  process.exit(0);
}

const started = Date.now();
// dist/release/ is the release build's: kept.
for (const f of existsSync(dist) ? readdirSync(dist) : [])
  if (f !== 'release') rmSync(path.join(dist, f), { recursive: true, force: true });
mkdirSync(path.join(dist, 'web'), { recursive: true });

await buildPage(path.join(dist, 'web'));
const metafiles = await buildCli(path.join(dist, 'probe.cjs'));
writeFileSync(path.join(dist, 'meta.json'), JSON.stringify(metafiles.main));
writeFileSync(path.join(dist, 'server-part-meta.json'), JSON.stringify(metafiles.part));
await buildWriterThread(path.join(dist, 'remote-writer.cjs'));
const serverPackages = await buildServerPackages(dist);
makeBlob({
  main: path.join(dist, 'probe.cjs'),
  blob: path.join(dist, 'sea.blob'),
  assets: {
    'better_sqlite3.node': hostAddon(),
    'remote-writer.cjs': path.join(dist, 'remote-writer.cjs'),
    [SERVER_PART]: path.join(dist, SERVER_PART),
    ...serverPackages,
    ...pageAssets(path.join(dist, 'web')),
  },
  blobNode: [process.execPath],
  codeCache: nodeBinary === process.execPath,
});
injectBlob({ nodeBinary, out, blob: path.join(dist, 'sea.blob') });
console.log(`built dist/probe (${(statSync(out).size / 1e6).toFixed(1)} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
