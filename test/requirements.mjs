// The system tools the tests use that npm does not bring, with the Debian package of each: the one
// list `npm test` checks before it starts (so a fresh machine hears what to install, not 3 failures
// deep in the run) and `.ci/run` installs from.
//   node test/requirements.mjs [--release]            exits 1 naming what is missing and how to install it
//   node test/requirements.mjs --packages [--release] prints the missing Debian packages, one per line
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';

const onPath = (name) => () =>
  (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
const file = (name) => () => existsSync(name);

/** libfaketime, which the clock-step test preloads into the server to step its clock mid-run. */
export const FAKETIME_LIB = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

/** `suite`: 'test' for npm test, 'release' for npm run test:release (which builds dist/release/ too). */
export const REQUIREMENTS = [
  {
    suite: 'test',
    present: file('/usr/bin/chromium'),
    packages: ['chromium', 'fonts-dejavu-core'],
    why: 'the browser tests (playwright-core drives /usr/bin/chromium)',
  },
  {
    suite: 'test',
    present: onPath('systemd-analyze'),
    packages: ['systemd'],
    why: 'systemd-analyze verifies the units `probe install` writes',
  },
  { suite: 'test', present: onPath('ping'), packages: ['iputils-ping'], why: 'ICMP latency targets and checks ping 127.0.0.1' },
  {
    suite: 'test',
    present: file(FAKETIME_LIB),
    packages: ['faketime'],
    why: 'the clock-step test steps the server clock with libfaketime',
  },
  { suite: 'test', present: onPath('ss'), packages: ['iproute2'], why: 'ss reads the listening socket queue' },
  {
    suite: 'test',
    present: onPath('promtool'),
    packages: ['prometheus'],
    why: 'promtool lints /metrics; the remote-write test sends to prometheus --web.enable-remote-write-receiver',
  },
  {
    suite: 'test',
    present: file('/usr/bin/victoria-metrics'),
    packages: ['victoria-metrics'],
    why: 'the remote-write tests send to a VictoriaMetrics on loopback (stopped and killed on purpose)',
  },
  {
    suite: 'test',
    present: file('/usr/lib/postgresql/15/bin/initdb'),
    packages: ['postgresql-15'],
    why: 'the cluster tests share a registry in a real PostgreSQL 15 on loopback (test/postgres.ts)',
  },
  {
    suite: 'test',
    present: file('/usr/lib/python3/dist-packages/yaml/__init__.py'),
    packages: ['python3-yaml'],
    why: 'the Compose file of deploy/compose is parsed with PyYAML (no Docker here to run it)',
  },
  {
    suite: 'test',
    present: file('/usr/bin/caddy'),
    packages: ['caddy'],
    why: "deploy/compose's Caddyfile is run in front of two servers (test/deploy/compose-run.test.ts; no Docker here)",
  },
  { suite: 'test', present: onPath('openssl'), packages: ['openssl'], why: 'the certificate tests make their own certificates' },
  { suite: 'test', present: onPath('x86_64-w64-mingw32-gcc'), packages: ['gcc-mingw-w64-x86-64'], why: 'builds the Windows service host' },
  { suite: 'test', present: file('/usr/lib/wine/wine64'), packages: ['wine64'], why: 'runs the Windows service host and agent' },
  {
    suite: 'test',
    present: () => process.getuid?.() === 0,
    packages: [],
    why: 'the full-disk tests mount small tmpfs file systems of their own (mount(8)): run the tests as root, in a container or VM if need be',
  },
  { suite: 'release', present: onPath('objdump'), packages: ['binutils'], why: 'reads the glibc versions the binaries need' },
  { suite: 'release', present: onPath('xz'), packages: ['xz-utils'], why: 'the .xz copies of the release' },
  { suite: 'release', present: onPath('libdeflate-gzip'), packages: ['libdeflate-tools'], why: 'the .gz copies of the release' },
  {
    suite: 'release',
    present: onPath('aarch64-linux-gnu-g++'),
    packages: ['g++-aarch64-linux-gnu', 'binutils-aarch64-linux-gnu'],
    why: 'compiles the arm64 SQLite addon',
  },
  {
    suite: 'release',
    present: onPath('arm-linux-gnueabihf-strip'),
    packages: ['binutils-arm-linux-gnueabihf'],
    why: 'strips the armv7 binary',
  },
  { suite: 'release', present: onPath('qemu-aarch64'), packages: ['qemu-user'], why: 'runs the ARM binaries' },
  {
    suite: 'release',
    present: file('/usr/aarch64-linux-gnu/lib'),
    packages: ['libc6-arm64-cross'],
    why: 'the C library qemu-aarch64 runs them on',
  },
  {
    suite: 'release',
    present: file('/usr/arm-linux-gnueabihf/lib'),
    packages: ['libc6-armhf-cross'],
    why: 'the C library qemu-arm runs them on',
  },
  {
    suite: 'release',
    // The arm64 ones come with g++-aarch64-linux-gnu; nothing above brings the armhf ones (a machine
    // without them failed the release build: "libatomic.so.1: cannot open shared object file").
    present: () => ['libstdc++.so.6', 'libatomic.so.1'].every((lib) => existsSync(`/usr/arm-linux-gnueabihf/lib/${lib}`)),
    packages: ['libstdc++6-armhf-cross', 'libatomic1-armhf-cross'],
    why: 'the C++ and atomic libraries Node for armv7 links, under qemu-arm',
  },
];

/** What is missing for these suites. */
export function missing(suites) {
  return REQUIREMENTS.filter((r) => suites.includes(r.suite) && !r.present());
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const suites = process.argv.includes('--release') ? ['test', 'release'] : ['test'];
  const gaps = missing(suites);
  if (process.argv.includes('--packages')) {
    for (const p of new Set(gaps.flatMap((r) => r.packages))) console.log(p);
  } else if (gaps.length > 0) {
    console.error('npm test: the tests need system tools this machine lacks:');
    for (const r of gaps) console.error(`  ${r.packages.join(' ') || 'root'}: ${r.why}`);
    const packages = [...new Set(gaps.flatMap((r) => r.packages))];
    if (packages.length > 0)
      console.error(`Install them (Debian/Ubuntu): sudo apt-get install -y --no-install-recommends ${packages.join(' ')}`);
    console.error('`bash .ci/run` as root installs them and then runs the tests.');
    process.exit(1);
  }
}
