// Runs every test/**/*.test.ts through node:test with tsx (Node 20's --test does not expand globs).
// Three files at a time on two cores: most tests wait on sockets, processes and a browser.
// Other arguments pass through, e.g. `npm test -- --test-name-pattern=offline`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { missing } from './requirements.mjs';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
// `--release`: the tests of dist/release/ (test/release/, `npm run test:release`), which npm test leaves out.
const release = process.argv.includes('--release');
const args = process.argv.slice(2).filter((a) => a !== '--release');
// Name every missing system tool before anything runs, rather than failing tests one by one.
if (missing(release ? ['test', 'release'] : ['test']).length > 0) {
  const check = spawnSync(process.execPath, [path.join(root, 'test/requirements.mjs'), ...(release ? ['--release'] : [])], {
    stdio: 'inherit',
  });
  process.exit(check.status ?? 1);
}
// The slow ones first (real binaries, browsers, Wine), so the quick ones fill the gaps they leave
// instead of one slow file running alone at the end.
const SLOW_FIRST = ['e2e', 'install', 'release', 'server'];
const rank = (f) => {
  const at = SLOW_FIRST.indexOf(f.split(path.sep)[1]);
  return at < 0 ? SLOW_FIRST.length : at;
};
const files = readdirSync(path.join(root, 'test'), { recursive: true })
  .filter((f) => f.endsWith('.test.ts') && f.startsWith(`release${path.sep}`) === release)
  .map((f) => path.join('test', f))
  .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${process.env.PROBE_TEST_CONCURRENCY ?? 3}`, ...args, ...files],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
process.exit(result.status ?? 1);
