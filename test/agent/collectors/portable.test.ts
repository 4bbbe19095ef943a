/**
 * The portable disk and network collectors with stand-in systeminformation calls and a clock of
 * the test's own: background refresh, failures and staleness, rates from counters, labels.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collectAll } from '../../../src/agent/collectors/index';
import { fsSizeMetrics, portableDiskCollector } from '../../../src/agent/collectors/portable-disk';
import type { FsSizeEntry } from '../../../src/agent/collectors/portable-disk';
import { interfaceLabel, isPortablePhysical, portableNetworkCollector } from '../../../src/agent/collectors/portable-network';
import type { InterfaceInfo, InterfaceStats } from '../../../src/agent/collectors/portable-network';
import type { Collector } from '../../../src/agent/collectors/collector';
import type { MetricValues } from '../../../src/protocol/metrics';

interface Call<T> {
  resolve(value: T): void;
  reject(err: Error): void;
}

/** A stand-in async call: each invocation waits until the test settles it. */
function pendingCalls<T>() {
  const calls: Call<T>[] = [];
  const fn = () =>
    new Promise<T>((resolve, reject) => {
      calls.push({ resolve, reject });
    });
  return { calls, fn };
}

/** Lets a call the collector started in a microtask begin. */
const started = () => new Promise((r) => setImmediate(r));

function sampler(collector: Collector) {
  return () => {
    const out: MetricValues = {};
    collector.collect(out, 0);
    return out;
  };
}

const GIB = 2 ** 30;
const ROOT: FsSizeEntry[] = [{ fs: '/dev/disk3s1s1', type: 'APFS', size: 500 * GIB, used: 10 * GIB, mount: '/' }];

test('fsSize runs at most once a minute, never twice at once; collect reports the last completed reading', async () => {
  let t = 0;
  const { calls, fn } = pendingCalls<FsSizeEntry[]>();
  const disk = portableDiskCollector(fn, () => t);
  const sample = sampler(disk);
  assert.deepEqual(sample(), {}, 'nothing before the first reading');
  await started();
  assert.equal(calls.length, 1);
  t = 61_000;
  assert.deepEqual(sample(), {});
  await started();
  assert.equal(calls.length, 1, 'no second call while the first runs, though its period passed');
  calls[0]!.resolve(ROOT);
  await disk.idle();
  t = 62_000;
  assert.equal(sample().diskUsedBytes, 10 * GIB);
  await started();
  assert.equal(calls.length, 2, 'the period had passed: the next call starts');
  calls[1]!.resolve([{ ...ROOT[0]!, used: 11 * GIB }]);
  await disk.idle();
  for (t = 63_000; t < 122_000; t += 1000) assert.equal(sample().diskUsedBytes, 11 * GIB);
  await started();
  assert.equal(calls.length, 2, 'one call per minute, counted from its start');
  t = 122_000;
  sample();
  await started();
  assert.equal(calls.length, 3);
});

test('a failing fsSize keeps the last values for three minutes, then they are absent (logged once) until it answers again', async () => {
  let t = 0;
  const { calls, fn } = pendingCalls<FsSizeEntry[]>();
  const collectors = [portableDiskCollector(fn, () => t)];
  const failed = new Set<string>();
  const sample = () => collectAll(collectors, 0, failed);
  sample();
  await started();
  calls[0]!.resolve(ROOT);
  await collectors[0]!.idle();
  for (t = 60_000; t <= 180_000; t += 60_000) {
    assert.equal(sample().diskTotalBytes, 500 * GIB, `still shown at ${t / 1000} s`);
    await started();
    calls.at(-1)!.reject(new Error('df: exit status 1'));
    await collectors[0]!.idle();
  }
  t = 180_000;
  assert.equal(sample().diskTotalBytes, 500 * GIB, 'up to three minutes old');
  t = 180_001;
  assert.deepEqual(sample(), {});
  assert.deepEqual([...failed], ['disk']);
  assert.throws(() => collectors[0]!.collect({}, 0), /fsSize: df: exit status 1/);
  t = 240_000;
  sample();
  await started();
  assert.equal(calls.length, 5, 'one call per minute while failing');
  calls[4]!.resolve([]);
  await collectors[0]!.idle();
  assert.throws(() => collectors[0]!.collect({}, 0), /no real filesystem listed/, 'an empty listing is a failed reading');
  t = 300_000;
  sample();
  await started();
  calls[5]!.resolve(ROOT);
  await collectors[0]!.idle();
  assert.equal(sample().diskTotalBytes, 500 * GIB);
  assert.equal(failed.size, 0, 'recovered');
});

test('a call that never returns is not started again; its values go after the bound', async () => {
  let t = 0;
  const { calls, fn } = pendingCalls<FsSizeEntry[]>();
  const disk = portableDiskCollector(fn, () => t);
  disk.collect({}, 0);
  await started();
  calls[0]!.resolve(ROOT);
  await disk.idle();
  for (t = 60_000; t <= 240_000; t += 1000) {
    const out: MetricValues = {};
    try {
      disk.collect(out, 0);
      assert.ok(t <= 180_000, `no values after 180 s, got them at ${t / 1000} s`);
      assert.equal(out.diskUsedBytes, 10 * GIB);
    } catch (err) {
      assert.ok(t > 180_000, `values until 180 s, failed at ${t / 1000} s`);
      assert.match((err as Error).message, /fsSize has not answered for \d+ s/);
    }
    await started();
  }
  assert.equal(calls.length, 2, 'the hung second call is never doubled');
});

test('fsSize listings from macOS, Windows and Linux: real filesystems, APFS containers counted once, drive labels', () => {
  const mac: FsSizeEntry[] = [
    { fs: '/dev/disk3s1s1', type: 'APFS', size: 494 * GIB, used: 10 * GIB, mount: '/' },
    { fs: '/dev/disk3s6', type: 'APFS', size: 494 * GIB, used: 2 * GIB, mount: '/System/Volumes/VM' },
    { fs: '/dev/disk3s2', type: 'APFS', size: 494 * GIB, used: 6 * GIB, mount: '/System/Volumes/Preboot' },
    { fs: '/dev/disk3s5', type: 'APFS', size: 494 * GIB, used: 168 * GIB, mount: '/System/Volumes/Data' },
    { fs: '/dev/disk1s2', type: 'APFS', size: 0.5 * GIB, used: 0.01 * GIB, mount: '/System/Volumes/xarts' },
    { fs: '/dev/disk5s1', type: 'HFS', size: 100 * GIB, used: 40 * GIB, mount: '/Volumes/Backup Disk' },
    { fs: 'nas:/export', type: 'NFS', size: 8000 * GIB, used: 10 * GIB, mount: '/Volumes/nas' },
    { fs: '//me@nas/share', type: 'smbfs', size: 8000 * GIB, used: 10 * GIB, mount: '/Volumes/share' },
  ];
  assert.deepEqual(fsSizeMetrics(mac), {
    'diskUsedBytes./': 10 * GIB,
    'diskTotalBytes./': 494 * GIB,
    'diskUsedBytes./System/Volumes/Data': 168 * GIB,
    'diskTotalBytes./System/Volumes/Data': 494 * GIB,
    diskUsedBytes: (10 + 2 + 6 + 168 + 0.01 + 40) * GIB,
    diskTotalBytes: (494 + 0.5 + 100) * GIB,
  });
  const windows: FsSizeEntry[] = [
    { fs: 'C:', type: 'NTFS', size: 250 * GIB, used: 100 * GIB, mount: 'C:' },
    { fs: 'D:', type: 'ReFS', size: 1000 * GIB, used: 10 * GIB, mount: 'D:' },
    { fs: 'E:', type: 'FAT32', size: 16 * GIB, used: 1 * GIB, mount: 'E:' },
    { fs: 'F:', type: 'CDFS', size: 4 * GIB, used: 4 * GIB, mount: 'F:' },
  ];
  assert.deepEqual(fsSizeMetrics(windows), {
    'diskUsedBytes.C:': 100 * GIB,
    'diskTotalBytes.C:': 250 * GIB,
    'diskUsedBytes.D:': 10 * GIB,
    'diskTotalBytes.D:': 1000 * GIB,
    'diskUsedBytes.E:': 1 * GIB,
    'diskTotalBytes.E:': 16 * GIB,
    diskUsedBytes: 111 * GIB,
    diskTotalBytes: 1266 * GIB,
  });
  const linux: FsSizeEntry[] = [
    { fs: '/dev/vda1', type: 'ext4', size: 50 * GIB, used: 20 * GIB, mount: '/' },
    { fs: '/dev/vda1', type: 'ext4', size: 50 * GIB, used: 20 * GIB, mount: '/var/lib/docker' },
    { fs: 'tmpfs', type: 'tmpfs', size: 1 * GIB, used: 0, mount: '/run' },
  ];
  assert.deepEqual(
    fsSizeMetrics(linux),
    { 'diskUsedBytes./': 20 * GIB, 'diskTotalBytes./': 50 * GIB, diskUsedBytes: 20 * GIB, diskTotalBytes: 50 * GIB },
    'a device mounted twice counts once',
  );
  assert.throws(() => fsSizeMetrics([]), /no real filesystem listed/);
});

test('physical interfaces and their labels on macOS and Windows', () => {
  const iface = (name: string, ifaceName = name, internal = false): InterfaceInfo => ({ iface: name, ifaceName, internal });
  const physical = [
    iface('en0'),
    iface('en7'),
    iface('Ethernet 2', 'Intel(R) Ethernet Connection I219-V'),
    iface('Wi-Fi', 'Intel(R) Wi-Fi 6 AX201'),
    iface('Ethernet', 'Microsoft Hyper-V Network Adapter'),
  ];
  const virtual = [
    iface('lo0', 'lo0', true),
    iface('utun3'),
    iface('awdl0'),
    iface('llw0'),
    iface('bridge0'),
    iface('vEthernet (WSL)', 'Hyper-V Virtual Ethernet Adapter'),
    iface('Ethernet 3', 'VirtualBox Host-Only Ethernet Adapter'),
    iface('Loopback Pseudo-Interface 1', 'Software Loopback Interface 1', true),
    iface('Tailscale', 'Tailscale Tunnel'),
    iface('Bluetooth Network Connection', 'Bluetooth Device (Personal Area Network)'),
  ];
  assert.deepEqual(physical.filter(isPortablePhysical), physical, 'a Hyper-V guest NIC stays');
  assert.deepEqual(virtual.filter(isPortablePhysical), []);
  assert.deepEqual(['en0', 'Ethernet 2', 'Wi-Fi', 'x'.repeat(65)].map(interfaceLabel), ['en0', 'Ethernet_2', 'Wi-Fi', null]);
});

test('network rates from counters between completed readings, timed when each completed; none across a counter going back', async () => {
  let t = 0;
  const requested: string[] = [];
  const stats = pendingCalls<InterfaceStats[]>();
  const network = portableNetworkCollector(
    {
      networkInterfaces: async () => [
        { iface: 'lo0', ifaceName: 'lo0', internal: true },
        { iface: 'en0', ifaceName: 'en0', internal: false },
        { iface: 'utun3', ifaceName: 'utun3', internal: false },
        { iface: 'Ethernet 2', ifaceName: 'Intel(R) Ethernet', internal: false },
      ],
      networkStats: (ifaces) => {
        requested.push(ifaces);
        return stats.fn();
      },
    },
    () => t,
  );
  const sample = sampler(network);
  const read = async (at: number, completeAt: number, counters: [string, number, number][]) => {
    t = at;
    sample();
    await started();
    t = completeAt;
    stats.calls.at(-1)!.resolve(counters.map(([iface, rx_bytes, tx_bytes]) => ({ iface, rx_bytes, tx_bytes })));
    await network.idle();
  };
  await read(0, 1000, [
    ['en0', 1_000_000, 500_000],
    ['Ethernet 2', 2000, 1000],
  ]);
  assert.deepEqual(requested, ['en0,Ethernet 2'], 'loopback and VPN tunnels are not read');
  assert.deepEqual(sample(), { netRxBytesTotal: 1_002_000, netTxBytesTotal: 501_000 }, 'no rate from one reading');
  await read(5000, 5000, [
    ['en0', 1_040_000, 520_000],
    ['Ethernet 2', 6000, 1000],
  ]);
  assert.deepEqual(
    sample(),
    {
      netRxBytesTotal: 1_046_000,
      netTxBytesTotal: 521_000,
      'netRxBytesPerSec.en0': 10_000,
      'netTxBytesPerSec.en0': 5000,
      'netRxBytesPerSec.Ethernet_2': 1000,
      'netTxBytesPerSec.Ethernet_2': 0,
      netRxBytesPerSec: 11_000,
      netTxBytesPerSec: 5000,
    },
    'over the 4 s between completions (the first call took 1 s), not the 5 s between starts',
  );
  await read(10_000, 10_000, [
    ['en0', 1000, 500],
    ['Ethernet 2', 8000, 2000],
  ]);
  assert.deepEqual(
    sample(),
    {
      netRxBytesTotal: 9000,
      netTxBytesTotal: 2500,
      'netRxBytesPerSec.Ethernet_2': 400,
      'netTxBytesPerSec.Ethernet_2': 200,
      netRxBytesPerSec: 400,
      netTxBytesPerSec: 200,
    },
    'en0 went back: no rate for it, nothing negative in the sums',
  );
});

test('an interface networkStats could not read (0/0) keeps its counters in the totals; none read at all is a failed reading', async () => {
  let t = 0;
  let next: InterfaceStats[] = [];
  const network = portableNetworkCollector(
    {
      networkInterfaces: async () => ['en0', 'en1'].map((iface) => ({ iface, ifaceName: iface, internal: false })),
      networkStats: async () => next,
    },
    () => t,
  );
  const sample = sampler(network);
  const read = async (at: number, counters: [number, number, number, number]) => {
    next = [
      { iface: 'en0', rx_bytes: counters[0], tx_bytes: counters[1] },
      { iface: 'en1', rx_bytes: counters[2], tx_bytes: counters[3] },
    ];
    t = at;
    sample();
    await network.idle();
  };
  await read(0, [1000, 1000, 500, 500]);
  await read(5000, [6000, 1000, 0, 0]);
  assert.deepEqual(sample(), {
    netRxBytesTotal: 6500,
    netTxBytesTotal: 1500,
    'netRxBytesPerSec.en0': 1000,
    'netTxBytesPerSec.en0': 0,
    netRxBytesPerSec: 1000,
    netTxBytesPerSec: 0,
  });
  await read(10_000, [11_000, 1000, 1500, 500]);
  assert.equal(sample()['netRxBytesPerSec.en1'], undefined, 'no rate for en1 from the reading it missed');
  await read(15_000, [0, 0, 0, 0]);
  assert.equal(sample().netRxBytesTotal, 12_500, 'a reading with no counters at all keeps the last values');
  t = 25_001;
  assert.throws(() => network.collect({}, 0), /networkStats: no counters read for en0, en1/);
});
