// Bundles every test file once with esbuild into dist/test/ (npm packages left as imports), so each
// test process runs plain JavaScript instead of loading tsx and transforming the same modules again:
// about a quarter of a second of CPU per file. `import.meta.dirname` keeps meaning the source's folder.
import { readFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
export const OUT = path.join(root, 'dist', 'test');

const sourceDirname = {
  name: 'source-dirname',
  setup(b) {
    b.onLoad({ filter: /\.tsx?$/, namespace: 'file' }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.dirname')) return undefined;
      return {
        contents: text.replaceAll('import.meta.dirname', JSON.stringify(path.dirname(args.path))),
        loader: args.path.endsWith('x') ? 'tsx' : 'ts',
      };
    });
  },
};

/** Test files run as one: an entry that imports each in turn (their tests then run in that order). */
const groups = {
  name: 'test-groups',
  setup(b) {
    b.onResolve({ filter: /^test-group:/ }, (args) => ({ path: args.path.slice('test-group:'.length), namespace: 'test-group' }));
    b.onLoad({ filter: /.*/, namespace: 'test-group' }, (args) => ({
      contents: args.path
        .split(',')
        .map((f) => `import ${JSON.stringify(path.join(root, f))};`)
        .join('\n'),
      resolveDir: root,
      loader: 'js',
    }));
  },
};

/**
 * Bundles each unit, `{ files, name? }` (paths relative to the root; a unit of several files is one
 * bundle named `name`), and gives the bundles' paths, in the same order. Each lands under its place
 * in that order (`dist/test/007/e2e/outage.test.mjs`): Node 20's `--test` sorts the files it is
 * given by path, so this is how the runner's order (longest first) survives.
 */
export async function compileTests(units) {
  rmSync(OUT, { recursive: true, force: true });
  const places = units.map((u, i) =>
    path.join(
      String(i).padStart(3, '0'),
      u.files.length === 1 ? path.relative('test', u.files[0]).replace(/\.tsx?$/, '') : `${u.name}.test`,
    ),
  );
  await build({
    absWorkingDir: root,
    entryPoints: units.map((u, i) => ({ in: u.files.length === 1 ? u.files[0] : `test-group:${u.files.join(',')}`, out: places[i] })),
    outdir: OUT,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'error',
    plugins: [groups, sourceDirname],
    banner: { js: "import { createRequire as __probeRequire } from 'node:module'; const require = __probeRequire(import.meta.url);" },
  });
  return places.map((p) => path.join(OUT, `${p}.mjs`));
}
