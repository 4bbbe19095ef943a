/**
 * The portable collectors with the real systeminformation on this Linux machine, checked against
 * the /proc collectors and /proc/net/dev: the same metric names and the same figures.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { whenIdle } from '../../../src/agent/collectors/background';
import { diskCollector } from '../../../src/agent/collectors/disk';
import { networkCollector, parseNetDev } from '../../../src/agent/collectors/network';
import { isPortablePhysical } from '../../../src/agent/collectors/portable-network';
import { portableCollectors } from '../../../src/agent/collectors/portable';
import { ProcFile } from '../../../src/agent/collectors/proc-file';
import { systemInformation } from '../../../src/agent/collectors/system-information';
import type { MetricValues } from '../../../src/protocol/metrics';

const MIB = 2 ** 20;
const linux = process.platform === 'linux';

test("portable disk and network on this machine: the /proc collectors' names and figures", {
  skip: !linux && 'needs /proc to compare with',
}, async () => {
  let t = 0;
  const portable = portableCollectors(systemInformation(), () => t);
  const sample = () => {
    const out: MetricValues = {};
    for (const c of portable) c.collect(out, 0);
    return out;
  };
  const procCollectors = [diskCollector(new ProcFile('/proc/mounts')), networkCollector(new ProcFile('/proc/net/dev'))];
  const fromProc = (monoMs: number) => {
    const out: MetricValues = {};
    for (const c of procCollectors) c.collect(out, monoMs);
    return out;
  };
  const counters = () => parseNetDev(readFileSync('/proc/net/dev', 'utf8'));

  sample();
  const before = counters();
  await whenIdle(portable);
  const first = sample();
  const after = counters();
  const proc = fromProc(0);

  assert.ok(proc['diskTotalBytes./'], 'the /proc collector reports the root filesystem');
  assert.ok(
    Math.abs(first['diskTotalBytes./']! - proc['diskTotalBytes./']!) < MIB,
    `root size ${first['diskTotalBytes./']} vs ${proc['diskTotalBytes./']}`,
  );
  assert.ok(
    Math.abs(first['diskUsedBytes./']! - proc['diskUsedBytes./']!) < 64 * MIB,
    `root used ${first['diskUsedBytes./']} vs ${proc['diskUsedBytes./']}`,
  );
  const disks = (values: MetricValues) =>
    Object.keys(values)
      .filter((k) => k.startsWith('disk'))
      .sort();
  assert.deepEqual(disks(first), disks(proc), 'the same filesystems');

  // The interfaces the portable collector reads: each one's bytes lie between two reads of /proc/net/dev.
  const read = (await systemInformation().networkInterfaces()).filter(isPortablePhysical).map((i) => i.iface);
  assert.ok(read.length > 0, 'a physical interface to read');
  const sum = (c: ReturnType<typeof counters>) => read.reduce((n, name) => n + (c.get(name)?.rxBytes ?? NaN), 0);
  assert.ok(
    first.netRxBytesTotal! >= sum(before) && first.netRxBytesTotal! <= sum(after),
    `rx total ${first.netRxBytesTotal} within [${sum(before)}, ${sum(after)}]`,
  );
  assert.equal(first.netRxBytesPerSec, undefined, 'no rate from one reading');

  // systeminformation answers from its own cache for 500 ms; the test's clock moves the period on.
  await new Promise((r) => setTimeout(r, 550));
  t = 5000;
  sample();
  await whenIdle(portable);
  const second = sample();
  const rates = [
    ...read.flatMap((name) => [`netRxBytesPerSec.${name}`, `netTxBytesPerSec.${name}`]),
    'netRxBytesPerSec',
    'netTxBytesPerSec',
  ];
  for (const k of rates) assert.ok(Number.isInteger(second[k]) && second[k]! >= 0, `${k} = ${second[k]}`);
  assert.ok(second.netRxBytesTotal! >= first.netRxBytesTotal!);
  // Names the /proc collector gives too (it also counts packets, which systeminformation does not).
  const names = (values: MetricValues) => Object.keys(values).filter((k) => k.startsWith('net') && !k.includes('Packets'));
  const procNames = new Set(names(fromProc(5000)));
  assert.deepEqual(
    names(second).filter((k) => !procNames.has(k)),
    [],
  );
});
