// Loaded into each test file's process when PROBE_TEST_CPU_LOG names a file (test/run.mjs adds it):
// at exit, appends the file's CPU seconds, its own and its reaped children's (servers, agents,
// Chromium, Wine: /proc/self/stat's cutime and cstime), its wall seconds and when it ended, as one JSON line.
// What is left running at exit is not counted. Linux only.
import { appendFileSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;
const file = process.argv[1] ?? '';
if (process.env.PROBE_TEST_CPU_LOG && file.endsWith('.test.mjs'))
  process.on('exit', () => {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const [utime, stime, cutime, cstime] = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .slice(11, 15)
      .map(Number);
    const line = {
      file: file.replace(/^.*\/dist\/test\/\d+\//, 'test/').replace(/\.mjs$/, '.ts'),
      ownCpuS: (utime + stime) / TICKS_PER_SECOND,
      childCpuS: (cutime + cstime) / TICKS_PER_SECOND,
      wallS: Math.round(process.uptime() * 10) / 10,
      endedAt: Date.now(),
    };
    appendFileSync(process.env.PROBE_TEST_CPU_LOG, `${JSON.stringify(line)}\n`);
  });
