// Builds dist/probe: the page (esbuild) and the server+agent bundle (esbuild) packed into a
// Node single-executable application with the page and better-sqlite3's addon as assets.
// `--if-stale` skips the work when dist/probe is newer than every input.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.dirname(new URL(import.meta.url).pathname);
const dist = path.join(root, 'dist');
const out = path.join(dist, 'probe');
const args = process.argv.slice(2);
const nodeIndex = args.indexOf('--node');
const nodeBinary = nodeIndex >= 0 ? path.resolve(args[nodeIndex + 1]) : process.execPath;

/** Runs a build step, showing its chatter only if it fails. */
function quietly(command, argv) {
  try {
    execFileSync(command, argv, { stdio: 'pipe' });
  } catch (err) {
    process.stderr.write(String(err.stderr ?? '') + String(err.stdout ?? ''));
    throw err;
  }
}

function newestMtime(p) {
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(p).map((f) => newestMtime(path.join(p, f))));
}

if (args.includes('--if-stale') && existsSync(out)) {
  const inputs = ['src', 'web', 'build.mjs', 'package-lock.json'].map((p) => path.join(root, p));
  if (statSync(out).mtimeMs > Math.max(...inputs.map(newestMtime))) {
    console.log('dist/probe is up to date');
    process.exit(0);
  }
}

const started = Date.now();
rmSync(dist, { recursive: true, force: true });
mkdirSync(path.join(dist, 'web'), { recursive: true });

// 1. The page.
await build({
  entryPoints: { app: path.join(root, 'web/main.tsx') },
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: path.join(dist, 'web'),
  legalComments: 'none',
  logLevel: 'warning',
});
await build({
  entryPoints: { app: path.join(root, 'web/styles.css') },
  bundle: true,
  minify: true,
  outdir: path.join(dist, 'web'),
  logLevel: 'warning',
});
copyFileSync(path.join(root, 'web/index.html'), path.join(dist, 'web/index.html'));
// uPlot is loaded only when a node page opens, so the overview does not parse it.
copyFileSync(path.join(root, 'node_modules/uplot/dist/uPlot.iife.min.js'), path.join(dist, 'web/uplot.js'));

// 2. Server and agent in one CommonJS file (SEA runs CommonJS). ws tries optional native
// helpers with require(); inside the executable that require() would print a warning, so
// they resolve to a module that throws and ws uses its JavaScript fallback.
const noOptionalNative = {
  name: 'no-optional-native',
  setup(b) {
    b.onResolve({ filter: /^(bufferutil|utf-8-validate)$/ }, (a) => ({ path: a.path, namespace: 'absent' }));
    b.onLoad({ filter: /.*/, namespace: 'absent' }, () => ({ contents: 'throw new Error("not bundled")', loader: 'js' }));
  },
};
const bundle = await build({
  entryPoints: [path.join(root, 'src/cli.ts')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  keepNames: true,
  outfile: path.join(dist, 'probe.cjs'),
  plugins: [noOptionalNative],
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});
writeFileSync(path.join(dist, 'meta.json'), JSON.stringify(bundle.metafile));

// 3. The single executable.
const require = createRequire(import.meta.url);
const addon = path.join(path.dirname(require.resolve('better-sqlite3/package.json')), 'build/Release/better_sqlite3.node');
const seaConfig = {
  main: path.join(dist, 'probe.cjs'),
  output: path.join(dist, 'sea.blob'),
  disableExperimentalSEAWarning: true,
  useCodeCache: nodeBinary === process.execPath,
  assets: {
    'better_sqlite3.node': addon,
    'web/index.html': path.join(dist, 'web/index.html'),
    'web/app.js': path.join(dist, 'web/app.js'),
    'web/app.css': path.join(dist, 'web/app.css'),
    'web/uplot.js': path.join(dist, 'web/uplot.js'),
  },
};
writeFileSync(path.join(dist, 'sea-config.json'), JSON.stringify(seaConfig, null, 2));
quietly(process.execPath, ['--experimental-sea-config', path.join(dist, 'sea-config.json')]);
copyFileSync(nodeBinary, out);
chmodSync(out, 0o755);
// postject warns about ELF note sections it does not need.
quietly(process.execPath, [
  require.resolve('postject/dist/cli.js'), out, 'NODE_SEA_BLOB', path.join(dist, 'sea.blob'),
  '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
]);
console.log(`built dist/probe (${(statSync(out).size / 1e6).toFixed(1)} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
