// The steps every build of the executable shares: the page and the CLI bundle (esbuild), the SEA
// config, and the injection of a blob into a copy of a Node binary (postject).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { COPIED_INTO_PART, SERVER_PART, fromMain, serverEntries } from './server-part.mjs';

export { SERVER_PART };

export const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const require = createRequire(import.meta.url);

function newestMtime(p) {
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(p).map((f) => newestMtime(path.join(p, f))));
}

/** True when `output` exists and is newer than every source it is built from. */
export function upToDate(output) {
  if (!existsSync(output)) return false;
  const inputs = ['src', 'web', 'build.mjs', 'packaging', 'package-lock.json'].map((p) => path.join(root, p));
  return statSync(output).mtimeMs > Math.max(...inputs.map(newestMtime));
}

/** Runs a build step, showing its chatter only if it fails. */
export function quietly(command, argv, options = {}) {
  try {
    return execFileSync(command, argv, { stdio: 'pipe', ...options });
  } catch (err) {
    process.stderr.write(String(err.stderr ?? '') + String(err.stdout ?? ''));
    throw err;
  }
}

/**
 * The page's files, built into `outDir`: index.html, app.css, uplot.js, app.js and the chunks it loads
 * (ES modules: the admin and a node's page are loaded when first shown; shared code goes in chunks),
 * and files.json, the list of them all, which the server reads to know what to serve.
 */
export async function buildPage(outDir) {
  mkdirSync(outDir, { recursive: true });
  const { metafile } = await build({
    entryPoints: { app: path.join(root, 'web/main.tsx') },
    bundle: true,
    minify: true,
    format: 'esm',
    splitting: true,
    chunkNames: '[name]-[hash]',
    metafile: true,
    target: ['chrome100', 'firefox100', 'safari15'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outdir: outDir,
    legalComments: 'none',
    // V8's explicit compile hint (Chromium 136+; a comment elsewhere): compile every function while the
    // file streams in, on a background thread, not one at a time on the main thread when first called.
    // A 200-node first render spent ~8 ms of its main thread compiling without it (bench:page).
    banner: { js: '//# allFunctionsCalledOnLoad' },
    logLevel: 'warning',
  });
  await build({
    entryPoints: { app: path.join(root, 'web/styles.css') },
    bundle: true,
    minify: true,
    outdir: outDir,
    logLevel: 'warning',
  });
  // The chunks app.js imports are fetched with it, not after it: one round trip, not two.
  const [, app] = Object.entries(metafile.outputs).find(([f]) => path.basename(f) === 'app.js');
  const preloads = app.imports
    .filter((i) => i.kind === 'import-statement')
    .map((i) => `<link rel="modulepreload" href="/${path.basename(i.path)}" />`)
    .join('\n    ');
  const html = readFileSync(path.join(root, 'web/index.html'), 'utf8').replace('<!-- modulepreload -->', preloads);
  writeFileSync(path.join(outDir, 'index.html'), html);
  // uPlot is loaded only when a node page opens, so the overview does not parse it.
  copyFileSync(path.join(root, 'node_modules/uplot/dist/uPlot.iife.min.js'), path.join(outDir, 'uplot.js'));
  const scripts = Object.keys(metafile.outputs).map((f) => path.basename(f));
  const files = ['index.html', 'app.css', 'uplot.js', ...scripts];
  writeFileSync(path.join(outDir, 'files.json'), JSON.stringify(files));
  // Compressed here, once, rather than by every server start (gzip -9 and brotli 11 of ~170 KB
  // took ~270 ms of CPU there). index.html is filled in at run time and compressed then.
  for (const f of files.filter((name) => name !== 'index.html')) {
    const raw = readFileSync(path.join(outDir, f));
    writeFileSync(path.join(outDir, `${f}.gz`), gzipSync(raw, { level: 9 }));
    writeFileSync(path.join(outDir, `${f}.br`), brotliCompressSync(raw));
  }
}

/** The page's files as SEA assets, keyed as src/server/http/assets.ts asks for them (files.json names them). */
export function pageAssets(pageDir) {
  const assets = { 'web/files.json': path.join(pageDir, 'files.json') };
  for (const f of JSON.parse(readFileSync(path.join(pageDir, 'files.json'), 'utf8'))) {
    assets[`web/${f}`] = path.join(pageDir, f);
    for (const ext of ['.gz', '.br']) if (existsSync(path.join(pageDir, f + ext))) assets[`web/${f}${ext}`] = path.join(pageDir, f + ext);
  }
  return assets;
}

// ws tries optional native helpers with require(); inside the executable that require() would
// print a warning, so they resolve to a module that throws and ws uses its JavaScript fallback.
const noOptionalNative = {
  name: 'no-optional-native',
  setup(b) {
    b.onResolve({ filter: /^(bufferutil|utf-8-validate)$/ }, (a) => ({ path: a.path, namespace: 'absent' }));
    b.onLoad({ filter: /.*/, namespace: 'absent' }, () => ({ contents: 'throw new Error("not bundled")', loader: 'js' }));
  },
};

/**
 * Built-ins that ws and commander require when they load and most runs never use. ws: tls and
 * https (wss://), zlib (permessage-deflate, off on all of probe's sockets), http and crypto (its
 * client's handshake and its server's; the agent makes its own handshake, src/agent/websocket.ts,
 * and gives the masks); commander: child_process (executable subcommands, which probe has none of).
 * Each require resolves to a stand-in that loads the real module at its first property read, or
 * for the functions named here, which ws takes apart from the module when it loads, at their first
 * call: tls alone put ~4 MB on an agent's RSS, http and crypto ~2.3 MB. (Only require() calls: an
 * import would go through esbuild's __toESM, which copies the stand-in's keys. probe's own code asks
 * for such built-ins through src/util/builtin.ts.)
 */
const LAZY_BUILTINS = {
  ws: { tls: [], https: [], zlib: [], http: [], crypto: ['createHash', 'randomBytes', 'randomFillSync'] },
  commander: { child_process: [] },
};
/**
 * ws's buffer-util takes `websocketMask` from http where Node has it (none of the Nodes probe embeds:
 * 20 and 22), else masks in JavaScript; that require gets an http without it rather than loading http.
 */
const NO_HTTP_MASK = 'module.exports = { websocketMask: undefined, websocketUnmask: undefined };\n';
const lazyBuiltinsOfDeps = {
  name: 'lazy-builtins-of-deps',
  setup(b) {
    b.onResolve({ filter: /^(node:)?(tls|https|zlib|child_process|http|crypto)$/ }, (a) => {
      const dep = /node_modules[\\/](ws|commander)[\\/]/.exec(a.importer)?.[1];
      const id = a.path.replace(/^node:/, '');
      if (!dep || a.kind !== 'require-call' || !LAZY_BUILTINS[dep][id]) return undefined;
      if (id === 'http' && /[\\/]buffer-util\.js$/.test(a.importer)) return { path: 'http', namespace: 'no-http-mask' };
      return { path: `${id}:${LAZY_BUILTINS[dep][id].join(',')}`, namespace: 'lazy-builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'no-http-mask' }, () => ({ loader: 'js', contents: NO_HTTP_MASK }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (a) => {
      const [id, fns] = a.path.split(':');
      const calls = fns
        ? fns
            .split(',')
            .map((f) => `  ${f}: (...args) => load().${f}(...args),\n`)
            .join('')
        : '';
      return {
        loader: 'js',
        contents:
          `let real;\nconst load = () => (real ??= require('node:${id}'));\n` +
          `const calls = {\n${calls}};\n` +
          `module.exports = new Proxy({}, { get: (_, key) => (real || !Object.hasOwn(calls, key) ? load()[key] : calls[key]) });\n`,
      };
    });
  },
};

/**
 * The CLI and the agent in one CommonJS file (SEA runs CommonJS), and the server's code in a
 * second, server-part.cjs beside it (embedded in server executables). Every KB of the main script
 * costs each process RSS, run or not (see SERVER_PACKAGES); an agent never runs the server's
 * ~240 KB. The CLI's dynamic imports of src/server/ and src/store/ (the server's entry modules:
 * run-server, the node, admin and backup commands' helpers) resolve to the part, which
 * src/util/server-part.ts loads once. The part takes each module that the main script also holds
 * from it (a registry of them in the main script, built only when the part loads), so a module
 * exists once in a process: one log level, one ProbeError class. `build` says what the executable
 * is (src/util/build-info.ts): its target and whether it carries the server. Returns both
 * bundles' metafiles.
 */
export async function buildCli(outFile, build_ = { target: `${process.platform}-${process.arch}`, server: true }) {
  const define = { PROBE_BUILD: JSON.stringify(build_), PROBE_PORTABLE_COLLECTORS: JSON.stringify(!build_.target.startsWith('linux-')) };
  // A Linux executable reads /proc and never runs the portable collectors: without them it
  // leaves out systeminformation (a quarter of the bundle, parsed and held by every agent).
  const main = { ...nodeBundle(path.join(root, 'src/cli/main.ts'), outFile), external: SERVER_PACKAGES, define, metafile: true };
  const entries = new Set();
  const plain = [noOptionalNative, lazyBuiltinsOfDeps, wsAsCommonJs];
  // Which modules the main script holds without the server's, and which entry modules the part has.
  const first = await build({ ...main, write: false, plugins: [...plain, serverEntries(root, entries, null)] });
  // In a fixed order: the plugin finds them in whatever order esbuild's resolutions finish.
  const entryFiles = [...entries].sort();
  const partEntry = entryFiles.map((f, i) => `import * as e${i} from ${JSON.stringify(path.join(root, f))};`).join('\n');
  const part = {
    ...nodeBundle(null, path.join(path.dirname(outFile), SERVER_PART)),
    stdin: {
      contents: `${partEntry}\nexport default { ${entryFiles.map((f, i) => `${JSON.stringify(f)}: e${i}`).join(', ')} };\n`,
      resolveDir: root,
      sourcefile: 'server-part-entry.js',
    },
    external: [...SERVER_PACKAGES, 'probe:main'],
    define,
    metafile: true,
  };
  const alone = await build({ ...part, write: false, plugins: plain });
  // What each output holds (metafile.inputs also lists files parsed but left out as dead code).
  const inOutput = (metafile) =>
    Object.entries(Object.values(metafile.outputs)[0].inputs)
      .filter(([f, { bytesInOutput }]) => bytesInOutput > 0 && existsSync(path.join(root, f)))
      .map(([f]) => f);
  const held = new Set(inOutput(first.metafile));
  const shared = inOutput(alone.metafile)
    .filter((f) => held.has(f) && !COPIED_INTO_PART.test(f))
    .sort()
    .map((f) => ({ file: f, format: first.metafile.inputs[f].format }));
  // probe is "type": "module", so the part's default import of a CommonJS stand-in is its whole
  // exports: an ES module's default export cannot come through the registry.
  const withDefault = shared.filter(
    (m) => m.format === 'esm' && /^export\s+default\b|\bas\s+default\b/m.test(readFileSync(path.join(root, m.file), 'utf8')),
  );
  if (withDefault.length > 0)
    throw new Error(
      `the server part imports ${withDefault.map((m) => m.file).join(', ')} from the main script, which have a default export: use named exports`,
    );
  const result = await build({ ...main, plugins: [...plain, serverEntries(root, entries, shared)] });
  const added = inOutput(result.metafile).filter((f) => !held.has(f) && f !== 'src/util/server-part.ts');
  if (added.length > 0)
    throw new Error(
      `the server part's registry pulled ${added.join(', ')} into ${outFile}: copy the module that imports them into the part (COPIED_INTO_PART)`,
    );
  const partResult = await build({ ...part, plugins: [fromMain(root, new Set(shared.map((m) => m.file))), ...plain] });
  return { main: result.metafile, part: partResult.metafile };
}

/**
 * ws as the CommonJS package it is: its ESM wrapper (what an import resolves to) has a default
 * export, which the registry cannot hand to the part (see buildCli); the two give the same objects.
 */
const wsAsCommonJs = {
  name: 'ws-as-commonjs',
  setup(b) {
    b.onResolve({ filter: /^ws$/ }, () => ({ path: path.join(path.dirname(require.resolve('ws/package.json')), 'index.js') }));
  },
};

/**
 * npm packages that only a server configured for them uses: nodemailer (email channels) and pg
 * (store.postgres). They stay out of probe.cjs, bundled one file each (pkg-<name>.cjs) beside it
 * and embedded in server executables; src/util/server-package.ts loads them at first use. Every KB
 * of the executable's main script cost each process ~3 KB of RSS, run or not (V8 copies the text
 * into its heap, and the text and its code cache are mapped): these two were 330 of its 847 KB.
 */
export const SERVER_PACKAGES = ['nodemailer', 'pg'];

/** Bundles each of SERVER_PACKAGES into `dir`; returns them as SEA assets (name: file). */
export async function buildServerPackages(dir) {
  const assets = {};
  for (const name of SERVER_PACKAGES) {
    const file = path.join(dir, `pkg-${name}.cjs`);
    await build(nodeBundle(require.resolve(name), file));
    assets[`pkg-${name}.cjs`] = file;
  }
  return assets;
}

/**
 * The remote-write worker thread (src/server/remote/writer-thread-entry.ts) as a CommonJS file of
 * its own: beside probe.cjs, and embedded in server executables, which start it from its text.
 */
export async function buildWriterThread(outFile, build_ = { target: `${process.platform}-${process.arch}`, server: true }) {
  await build({
    ...nodeBundle(path.join(root, 'src/server/remote/writer-thread-entry.ts'), outFile),
    define: { PROBE_BUILD: JSON.stringify(build_), PROBE_PORTABLE_COLLECTORS: 'false' },
  });
}

/** esbuild's options for one minified CommonJS file for Node 20 (SEA runs CommonJS), from `entry`. */
function nodeBundle(entry, outFile) {
  return {
    ...(entry ? { entryPoints: [entry] } : {}),
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    keepNames: true,
    outfile: outFile,
    legalComments: 'none',
    logLevel: 'warning',
  };
}

/** better-sqlite3's addon as npm built it for the Node running this script. */
export function hostAddon() {
  return path.join(path.dirname(require.resolve('better-sqlite3/package.json')), 'build/Release/better_sqlite3.node');
}

/**
 * Writes the SEA config and makes the blob with `blobNode` (argv prefix, e.g. ['qemu-arm', …, node]):
 * the blob must come from a Node of the runtime's own version (and, for 32-bit targets, its own build).
 */
export function makeBlob({ main, blob, assets, blobNode, codeCache }) {
  const config = path.join(path.dirname(blob), `${path.basename(blob)}.json`);
  const seaConfig = { main, output: blob, disableExperimentalSEAWarning: true, useCodeCache: codeCache };
  // Node 20.11 (armv7's) predates SEA assets; agent-only builds have none.
  if (Object.keys(assets).length > 0) seaConfig.assets = assets;
  writeFileSync(config, JSON.stringify(seaConfig, null, 2));
  const [command, ...prefix] = blobNode;
  quietly(command, [...prefix, '--experimental-sea-config', config]);
}

/** Copies `nodeBinary` to `out` and injects `blob`; `strip` (a command) drops its symbols first. */
export function injectBlob({ nodeBinary, out, blob, macho = false, strip = null }) {
  copyFileSync(nodeBinary, out);
  chmodSync(out, 0o755);
  if (strip) quietly(strip, [out]);
  // postject warns about ELF note sections it does not need.
  quietly(process.execPath, [
    require.resolve('postject/dist/cli.js'),
    out,
    'NODE_SEA_BLOB',
    blob,
    '--sentinel-fuse',
    'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
    ...(macho ? ['--macho-segment-name', 'NODE_SEA'] : []),
  ]);
}
