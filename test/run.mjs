// Runs every test/**/*.test.ts through node:test (Node 20's --test does not expand globs), bundled
// first by test/compile.mjs. Six files at a time on two cores: most tests wait on sockets,
// processes and a browser (on this 2-core machine, six took 147 s where four took 160 s, at the
// same load). `--typecheck` runs `tsc --noEmit` beside them (it needs no test's output) and fails
// the run if it fails: TypeScript 7's native compiler (the `typescript-7` alias), 4.8 CPU seconds
// here where TypeScript 5.9's took 24 (`typescript` 5.9 stays for tools that read its JS API). Other arguments pass through, e.g.
// `npm test -- --test-name-pattern=offline`.
// One file alone, straight from its source: `node --import tsx --test test/store/codec.test.ts`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { compileTests } from './compile.mjs';
import { missing } from './requirements.mjs';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
// `--release`: the tests of dist/release/ (test/release/, `npm run test:release`), which npm test leaves out.
const release = process.argv.includes('--release');
const typecheck = process.argv.includes('--typecheck');
const args = process.argv.slice(2).filter((a) => a !== '--release' && a !== '--typecheck');
// Name every missing system tool before anything runs, rather than failing tests one by one.
if (missing(release ? ['test', 'release'] : ['test']).length > 0) {
  const check = spawnSync(process.execPath, [path.join(root, 'test/requirements.mjs'), ...(release ? ['--release'] : [])], {
    stdio: 'inherit',
  });
  process.exit(check.status ?? 1);
}
// The slow ones first, longest of all at the very start, so the quick ones fill the gaps they leave
// instead of one slow file running alone at the end. Each file's time alone, two at a time on this
// 2-core machine, is noted; CPU-heavy ones (browser, Wine, simulated fleets) alternate with ones
// that mostly wait (link faults, outages) so six running at once do not all want the CPU.
const LONGEST = [
  'test/e2e/cluster.test.ts', // 35 s, two servers and PostgreSQL, mostly waiting
  'test/e2e/remote-write-outage.test.ts', // 29 s
  'test/install/wine-service.test.ts', // 20 s, ~30 s with others running
  'test/e2e/links-blackhole.test.ts', // 20 s, waiting
  'test/e2e/durability.test.ts', // 19 s
  'test/e2e/clock-step.test.ts', // 22 s
  'test/e2e/browser.test.ts', // 21 s
  'test/e2e/history-read.test.ts', // 16 s, waiting
  'test/e2e/peer-feed.test.ts', // 10 s, two servers
  'test/deploy/compose-run.test.ts', // 12 s, caddy, two servers, PostgreSQL, VictoriaMetrics
  'test/e2e/binary.test.ts', // 18 s
  'test/e2e/links-latency.test.ts', // 15 s, waiting
  'test/server/agents/agent-gateway.test.ts', // 17 s
  'test/e2e/full-disk.test.ts', // 16 s
  'test/e2e/links-resets.test.ts', // 15 s, waiting
  'test/e2e/admin-alerts.test.ts', // 15 s
  'test/e2e/flood.test.ts', // 15 s
  'test/e2e/failover.test.ts', // 14 s
  'test/e2e/admin.test.ts', // 14 s
  'test/e2e/remote-write.test.ts', // 14 s
  'test/e2e/outage.test.ts', // 13 s
  'test/e2e/install.test.ts', // 10 s
  'test/server/live/live-access.test.ts', // 10 s
  'test/server/bad-input.test.ts', // 9 s
  'test/e2e/alerts.test.ts', // 8 s
  'test/server/checks/checks-api.test.ts', // 7 s
];
const SLOW_FIRST = ['e2e', 'install', 'release', 'server'];
const rank = (f) => {
  const longest = LONGEST.indexOf(f.split(path.sep).join('/'));
  if (longest >= 0) return longest - LONGEST.length;
  const at = SLOW_FIRST.indexOf(f.split(path.sep)[1]);
  return at < 0 ? SLOW_FIRST.length : at;
};
// The quick files of these folders (unit tests: no executable, no browser) run in one process per
// folder, one file after another: each process of its own cost about a quarter of a CPU second to
// start and load the same modules (~80 such files). PROBE_TEST_ALONE=1 gives each file its own.
const SHARED = ['util', 'config', 'protocol', 'notify', 'forecast', 'alerts', 'checks', 'agent', 'store', 'web'];
const folderOf = (f) => f.split(path.sep)[1];
const shared = (f) => !process.env.PROBE_TEST_ALONE && SHARED.includes(folderOf(f)) && !LONGEST.includes(f.split(path.sep).join('/'));
const files = readdirSync(path.join(root, 'test'), { recursive: true })
  .filter((f) => f.endsWith('.test.ts') && f.startsWith(`release${path.sep}`) === release)
  .map((f) => path.join('test', f))
  // PROBE_TEST_ONLY=<regex>: only the files whose path matches, e.g. PROBE_TEST_ONLY=e2e/admin npm test.
  .filter((f) => !process.env.PROBE_TEST_ONLY || new RegExp(process.env.PROBE_TEST_ONLY).test(f))
  .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
// The folders' processes start after the end-to-end and install tests, before the server's.
const units = [
  ...files.filter((f) => !shared(f) && rank(f) < SLOW_FIRST.indexOf('server')).map((f) => ({ files: [f] })),
  ...SHARED.map((folder) => ({ name: `${folder}-tests`, files: files.filter((f) => shared(f) && folderOf(f) === folder) })).filter(
    (u) => u.files.length > 0,
  ),
  ...files.filter((f) => !shared(f) && rank(f) >= SLOW_FIRST.indexOf('server')).map((f) => ({ files: [f] })),
];
const bundles = await compileTests(units);
const tsc = typecheck
  ? exited(
      spawn(process.execPath, [path.join(root, 'node_modules/typescript-7/bin/tsc'), '--noEmit', '-p', 'tsconfig.json'], {
        cwd: root,
        stdio: 'inherit',
      }),
    )
  : 0;
// PROBE_TEST_CPU_LOG=<file>: each test file's CPU seconds, its own and its children's, into that file
// (test/cpu-account.mjs), and the files that took most listed at the end.
const cpuLogFile = process.env.PROBE_TEST_CPU_LOG ? path.resolve(process.env.PROBE_TEST_CPU_LOG) : null;
if (cpuLogFile) rmSync(cpuLogFile, { force: true });
const cpuLog = cpuLogFile ? ['--import', path.join(root, 'test/cpu-account.mjs')] : [];
// The runner leads its own process group, so whatever a test left running (a server, a fleet, a TSDB)
// is stopped with it at the end, and a run that hangs is stopped at PROBE_TEST_DEADLINE seconds
// (default 20 minutes; the suite takes about 3) instead of running into CI's limit. A file whose
// tests are done exits even if a handle is left open (--test-force-exit).
// One Chromium for every test file that looks at a page: test/browser.ts connects to it rather than
// starting its own (about 1.5 CPU seconds each, for ten files). It is stopped at the end.
const browser = release ? null : await startBrowser();
const runner = spawn(
  process.execPath,
  ['--test', '--test-force-exit', `--test-concurrency=${process.env.PROBE_TEST_CONCURRENCY ?? 6}`, ...cpuLog, ...args, ...bundles],
  {
    cwd: root,
    stdio: 'inherit',
    detached: true,
    env: { ...process.env, ...(browser ? { PROBE_TEST_CHROMIUM: browser.wsEndpoint() } : {}) },
  },
);
const stopGroup = (signal) => {
  try {
    process.kill(-runner.pid, signal);
  } catch {
    // ESRCH: nothing is left in the group.
  }
};
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => stopGroup(signal));
const deadlineS = Number(process.env.PROBE_TEST_DEADLINE ?? 1200);
const watchdog = setTimeout(() => {
  console.error(`npm test: still running after ${deadlineS} s (PROBE_TEST_DEADLINE); stopping every test process`);
  stopGroup('SIGKILL');
}, deadlineS * 1000);
const startedAt = Date.now();
const tests = await exited(runner);
console.log(`# ${files.length} test files in ${units.length} processes: ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
clearTimeout(watchdog);
stopGroup('SIGKILL');
await browser?.close();
if (cpuLogFile) printCpu(cpuLogFile);
const tscStatus = await tsc;
if (tscStatus !== 0) console.error('npm test: the typecheck (tsc --noEmit) failed: its errors are above');
process.exit(tests || tscStatus);

async function startBrowser() {
  const { chromium } = await import('playwright-core');
  const args = JSON.parse(readFileSync(path.join(root, 'test/chromium-args.json'), 'utf8'));
  return chromium.launchServer({ executablePath: '/usr/bin/chromium', args, host: '127.0.0.1' });
}

function exited(child) {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

function printCpu(file) {
  if (!existsSync(file)) return console.error(`npm test: no CPU figures in ${file}`);
  const rows = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .map((r) => ({ ...r, cpuS: r.ownCpuS + r.childCpuS }))
    .sort((a, b) => b.cpuS - a.cpuS);
  const sum = (key) => rows.reduce((s, r) => s + r[key], 0).toFixed(1);
  console.log(
    `# CPU of ${rows.length} test files: ${sum('cpuS')} s (own ${sum('ownCpuS')}, children ${sum('childCpuS')}), wall summed ${sum('wallS')} s`,
  );
  for (const r of rows.slice(0, 25))
    console.log(`#   ${r.cpuS.toFixed(1).padStart(6)} CPU-s (own ${r.ownCpuS.toFixed(1)})  ${String(r.wallS).padStart(5)} s  ${r.file}`);
}
