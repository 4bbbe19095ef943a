// The server's code as a bundle apart from the main script (server-part.cjs): the esbuild plugins
// for both sides. buildCli (bundle.mjs) says why and runs the builds.
import path from 'node:path';

export const SERVER_PART = 'server-part.cjs';

/**
 * Modules the part bundles a copy of rather than taking from the main script: the registry's
 * namespace import would keep all of a module in the main script, and these are dead code there
 * (the portable collectors, which a define leaves out of Linux executables). They hold no state.
 */
export const COPIED_INTO_PART = /^src\/agent\/collectors\/(portable|system-information)/;

/**
 * The main script's side: a dynamic import from src/cli/ of a module under src/server/ or src/store/
 * becomes that module's exports from the part. Collects those modules in `entries`; with `shared`
 * (the modules both hold, by path), writes the registry the part takes them from.
 */
export function serverEntries(root, entries, shared) {
  return {
    name: 'server-entries',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, async (a) => {
        if (a.pluginData?.entry || a.kind !== 'dynamic-import' || !/[\\/]src[\\/]cli[\\/]/.test(a.importer)) return undefined;
        const found = await b.resolve(a.path, {
          kind: a.kind,
          importer: a.importer,
          resolveDir: a.resolveDir,
          pluginData: { entry: true },
        });
        const file = fromRoot(root, found.path);
        if (!/^src\/(server|store)\//.test(file)) return undefined;
        entries.add(file);
        return { path: file, namespace: 'server-entry' };
      });
      b.onLoad({ filter: /.*/, namespace: 'server-entry' }, (a) => ({
        loader: 'js',
        contents: `module.exports = require('server-part-registry').default()[${JSON.stringify(a.path)}];\n`,
      }));
      b.onResolve({ filter: /^server-part-registry$/ }, () => ({ path: 'registry', namespace: 'server-part-registry' }));
      b.onLoad({ filter: /.*/, namespace: 'server-part-registry' }, () => {
        const modules = (shared ?? []).map(({ file, format }, i) =>
          format === 'esm'
            ? `import * as m${i} from ${JSON.stringify(path.join(root, file))};`
            : `const m${i} = require(${JSON.stringify(path.join(root, file))});`,
        );
        // An ES module as its namespace (its bindings live, read through getters), a CommonJS one as its exports.
        const entriesOf = (shared ?? []).map(({ file }, i) => `${JSON.stringify(file)}: m${i}`);
        return {
          loader: 'js',
          resolveDir: root,
          contents: [
            `import { loadServerPart } from ${JSON.stringify(path.join(root, 'src/util/server-part.ts'))};`,
            ...modules,
            `export default () => loadServerPart({ ${entriesOf.join(', ')} });`,
          ].join('\n'),
        };
      });
    },
  };
}

/** The part's side: an import of a module the main script holds reads it from the main script. */
export function fromMain(root, shared) {
  return {
    name: 'from-main',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (a) => {
        if (a.pluginData?.fromMain || a.kind === 'entry-point' || a.namespace !== 'file') return undefined;
        const found = await b.resolve(a.path, {
          kind: a.kind,
          importer: a.importer,
          resolveDir: a.resolveDir,
          pluginData: { fromMain: true },
        });
        if (found.errors.length > 0 || found.external || found.namespace !== 'file') return undefined;
        const file = fromRoot(root, found.path);
        // (The path's own extension would tell esbuild what the stand-in is: .mjs would make it ESM.)
        return shared.has(file) ? { path: `${file}#main`, namespace: 'from-main' } : undefined;
      });
      b.onLoad({ filter: /.*/, namespace: 'from-main' }, (a) => ({
        loader: 'js',
        contents: `module.exports = require('probe:main')[${JSON.stringify(a.path.replace(/#main$/, ''))}];\n`,
      }));
    },
  };
}

/** `file` as the metafiles name it: relative to the project's root, with forward slashes. */
function fromRoot(root, file) {
  return path.relative(root, file).split(path.sep).join('/');
}
