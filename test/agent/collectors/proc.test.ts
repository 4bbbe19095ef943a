import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import type os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { counterRate } from '../../../src/agent/collectors/collector';
import { cpuBreakdown, cpuBusyPercent, cpuCollector, parseBootTime, parseProcStat } from '../../../src/agent/collectors/cpu';
import { isWholeDisk, parseDiskstats } from '../../../src/agent/collectors/diskio';
import { ProcFile } from '../../../src/agent/collectors/proc-file';
import { parseSockstat } from '../../../src/agent/collectors/sockets';
import type { MetricValues } from '../../../src/protocol/metrics';
import { diskCollector, parseMounts, realFilesystems } from '../../../src/agent/collectors/disk';
import { detectVirtualization, parseOsRelease, publicAddresses } from '../../../src/agent/collectors/host';
import { parseLoadavg } from '../../../src/agent/collectors/load';
import { parseMeminfo } from '../../../src/agent/collectors/memory';
import { isPhysicalInterface, networkCollector, parseNetDev } from '../../../src/agent/collectors/network';
import { countPids, PROCESSES_REFRESH_MS, processesCollector } from '../../../src/agent/collectors/processes';
import { temperatureCollector } from '../../../src/agent/collectors/temperature';
import { parseUptime } from '../../../src/agent/collectors/uptime';
import { FIXTURES, tempDir } from '../../helpers';

const fixture = (name: string) => readFileSync(path.join(FIXTURES, 'proc', name), 'utf8');

test('/proc/stat: totals, idle including iowait, boot time', () => {
  const host = parseProcStat(fixture('host-stat'));
  assert.equal(host.total, 15330 + 0 + 2640 + 408536 + 508 + 0 + 115 + 139);
  assert.equal(host.idle, 408536 + 508);
  const vm = parseProcStat(fixture('vm-steal-stat'));
  assert.equal(vm.total, 4705 + 356 + 2084 + 130545 + 1221 + 0 + 104 + 5876, 'steal counts as busy time');
  assert.equal(parseBootTime(fixture('vm-steal-stat')), 1764040000 * 1000);
});

const times = (total: number, idle: number, user = 0, system = 0, iowait = 0, steal = 0) => ({ total, idle, user, system, iowait, steal });

test('cpu busy percent between two readings; nonsense deltas give no value', () => {
  assert.equal(cpuBusyPercent(times(1000, 800), times(1200, 950)), 25);
  assert.equal(cpuBusyPercent(times(1000, 800), times(1000, 800)), null);
  assert.equal(cpuBusyPercent(times(1000, 800), times(900, 700)), null, 'counter reset');
});

test('cpu breakdown: user, system, iowait and steal shares, from the VM-with-steal fixture', () => {
  const before = parseProcStat(fixture('vm-steal-stat'));
  const after = {
    ...before,
    total: before.total + 200,
    idle: before.idle + 100,
    user: before.user + 50,
    system: before.system + 10,
    iowait: before.iowait + 20,
    steal: before.steal + 40,
  };
  assert.deepEqual(cpuBreakdown(before, after), { cpuUser: 25, cpuSystem: 5, cpuIowait: 10, cpuSteal: 20 });
  assert.equal(before.steal, 5876);
  assert.equal(before.user, 4705 + 356, 'nice counts as user');
  assert.equal(cpuBreakdown(after, before), null, 'counters going back give nothing');
});

test('/proc/diskstats: bytes and operations of whole disks only', () => {
  const disks = parseDiskstats(fixture('nvme-diskstats'));
  assert.deepEqual([...disks.keys()].filter(isWholeDisk), ['nvme0n1', 'sda', 'mmcblk0']);
  assert.deepEqual(disks.get('nvme0n1'), { reads: 150000, readBytes: 12000000 * 512, writes: 300000, writtenBytes: 24000000 * 512 });
  const host = parseDiskstats(fixture('host-diskstats'));
  assert.ok([...host.keys()].filter(isWholeDisk).includes('vda'));
  assert.ok(![...host.keys()].filter(isWholeDisk).some((n) => n.startsWith('loop') || n.startsWith('zram')));
});

test('/proc/net/sockstat{,6}: TCP and UDP sockets in use', () => {
  assert.deepEqual(parseSockstat(fixture('busy-sockstat')), { tcp: 812, udp: 17 });
  assert.deepEqual(parseSockstat(fixture('busy-sockstat6')), { tcp: 41, udp: 5 });
  assert.deepEqual(parseSockstat(''), { tcp: 0, udp: 0 });
});

test('network collector: packets and totals too, nothing negative across an interface reset', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'dev');
  const header =
    'Inter-|   Receive\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n';
  const write = (rx: number, rxp: number, tx: number, txp: number) =>
    writeFileSync(file, `${header}  eth0: ${rx} ${rxp} 0 0 0 0 0 0 ${tx} ${txp} 0 0 0 0 0 0\n    lo: 5 5 0 0 0 0 0 0 5 5 0 0 0 0 0 0\n`);
  const collector = networkCollector(new ProcFile(file));
  write(1000, 10, 500, 5);
  const first: MetricValues = {};
  collector.collect(first, 0);
  assert.equal(first.netRxBytesTotal, 1000);
  assert.equal(first.netRxBytesPerSec, undefined, 'no rate from one reading');
  write(3000, 30, 1500, 15);
  const second: MetricValues = {};
  collector.collect(second, 2000);
  assert.deepEqual(
    [second.netRxBytesPerSec, second.netTxBytesPerSec, second.netRxPacketsPerSec, second.netTxPacketsPerSec],
    [1000, 500, 10, 5],
  );
  assert.deepEqual(
    [
      second['netRxBytesPerSec.eth0'],
      second['netTxBytesPerSec.eth0'],
      second['netRxPacketsPerSec.eth0'],
      second['netTxPacketsPerSec.eth0'],
    ],
    [1000, 500, 10, 5],
    'per interface too',
  );
  assert.equal(second['netRxBytesPerSec.lo'], undefined, 'not for virtual interfaces');
  write(100, 1, 50, 1);
  const reset: MetricValues = {};
  collector.collect(reset, 3000);
  assert.equal(reset.netRxBytesPerSec, 0, 'a reset interface adds nothing, never a negative rate');
  assert.equal(reset.netRxBytesTotal, 100);
  assert.equal(reset['netRxBytesPerSec.eth0'], undefined, 'no per-interface rate across its reset either');
});

test('/proc/meminfo: used = total - available, swap', () => {
  const text = fixture('host-meminfo');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)![1]) * 1024;
  const m = parseMeminfo(text);
  assert.equal(m.memTotalBytes, kb('MemTotal'));
  assert.equal(m.memUsedBytes, kb('MemTotal') - kb('MemAvailable'));
  assert.equal(m.swapTotalBytes, kb('SwapTotal'));
  assert.equal(m.memAvailableBytes, kb('MemAvailable'));
  assert.equal(m.memBuffersCacheBytes, kb('Buffers') + kb('Cached') + kb('SReclaimable'));
  const old = parseMeminfo('MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 250 kB\n');
  assert.equal(old.memUsedBytes, 600 * 1024, 'kernels without MemAvailable');
  assert.throws(() => parseMeminfo('garbage'));
});

test('/proc/net/dev: counters per interface; virtual interfaces are excluded', () => {
  const host = parseNetDev(fixture('host-net-dev'));
  assert.deepEqual(host.get('eth0'), { rxBytes: 259054471, rxPackets: 8433, txBytes: 478787, txPackets: 5652 });
  assert.deepEqual([...host.keys()].filter(isPhysicalInterface), ['eth0']);
  const docker = parseNetDev(fixture('dockerhost-net-dev'));
  assert.equal(docker.size, 8);
  assert.deepEqual([...docker.keys()].filter(isPhysicalInterface), ['ens3', 'ens4']);
  assert.equal(docker.get('ens3')!.rxBytes, 912345678901);
});

test('counter rates: per second, and nothing across a reset or a clock standstill', () => {
  assert.equal(counterRate(1000, 3000, 2000), 1000);
  assert.equal(counterRate(undefined, 3000, 1000), null);
  assert.equal(counterRate(5000, 100, 1000), null, 'interface reset or wrap');
  assert.equal(counterRate(1000, 2000, 0), null);
});

test('/proc/mounts: real filesystems only, one per device, escapes decoded', () => {
  const host = realFilesystems(parseMounts(fixture('host-mounts')));
  assert.deepEqual(
    host.map((m) => m.mountpoint),
    ['/'],
  );
  const docker = realFilesystems(parseMounts(fixture('dockerhost-mounts')));
  assert.deepEqual(
    docker.map((m) => `${m.device} ${m.mountpoint}`),
    ['/dev/vda1 /', '/dev/vda15 /boot/efi', '/dev/vdb /data'],
  );
  const all = parseMounts(fixture('dockerhost-mounts'));
  assert.ok(all.some((m) => m.mountpoint === '/srv/bind mount'));
  const container = realFilesystems(parseMounts(fixture('container-mounts')));
  assert.deepEqual(
    container.map((m) => m.mountpoint),
    ['/'],
    'container: the overlay root, not bind-mounted files',
  );
});

test('load, threads, uptime, pid count, os-release', () => {
  assert.deepEqual(parseLoadavg('0.63 0.25 0.17 1/215 12345\n'), { load1: 0.63, load5: 0.25, load15: 0.17, threads: 215 });
  assert.deepEqual(parseLoadavg('0.63 0.25 0.17\n'), { load1: 0.63, load5: 0.25, load15: 0.17 });
  assert.throws(() => parseLoadavg('x y z'));
  assert.equal(parseUptime(fixture('host-uptime')), Math.floor(Number(fixture('host-uptime').split(' ')[0])));
  assert.equal(countPids(['1', '22', 'self', 'net', '333', 'sys']), 3);
  assert.equal(parseOsRelease('NAME="Debian"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'), 'Debian GNU/Linux 12 (bookworm)');
  assert.equal(parseOsRelease('PRETTY_NAME=Alpine\n'), 'Alpine');
});

test('process count: listed again every PROCESSES_REFRESH_MS, the last count in every sample between', (t) => {
  const proc = tempDir(t, 'probe-proc-');
  for (const pid of ['1', '22', 'self']) mkdirSync(path.join(proc, pid));
  const collector = processesCollector(proc);
  const at = (monoMs: number) => {
    const out: MetricValues = {};
    collector.collect(out, monoMs);
    return out.processes;
  };
  assert.equal(at(0), 2);
  mkdirSync(path.join(proc, '333'));
  assert.equal(at(1000), 2, 'not listed again within the refresh interval');
  assert.equal(at(PROCESSES_REFRESH_MS - 1), 2);
  assert.equal(at(PROCESSES_REFRESH_MS), 3, 'listed again once the interval has passed');
  rmSync(path.join(proc, '22'), { recursive: true });
  assert.equal(at(PROCESSES_REFRESH_MS + 1000), 3);
  assert.equal(at(2 * PROCESSES_REFRESH_MS), 2);
});

test('disk collector in a container: the host mount table, sized through the host root mount', (t) => {
  // On tmpfs, so its size differs from the container's own / and the test tells the two apart.
  const hostRoot = mkdtempSync('/dev/shm/probe-hostfs-');
  t.after(() => rmSync(hostRoot, { recursive: true, force: true }));
  assert.notEqual(statfsSync('/dev/shm').blocks, statfsSync('/').blocks);
  const mounts = path.join(tempDir(t), 'mounts');
  // The host's / (ext4) is reachable at hostRoot/; a mount point missing under hostRoot is skipped.
  writeFileSync(mounts, '/dev/sda1 / ext4 rw 0 0\n/dev/sdb1 /srv/gone xfs rw 0 0\nproc /proc proc rw 0 0\n');
  const out: MetricValues = {};
  diskCollector(new ProcFile(mounts), hostRoot).collect(out, 0);
  const s = statfsSync(`${hostRoot}/`);
  assert.equal(out.diskTotalBytes, s.blocks * s.bsize);
  assert.equal(out.diskUsedBytes, (s.blocks - s.bfree) * s.bsize);
});

test('cpu collector: busy share of every core from the cpuN lines', (t) => {
  const file = path.join(tempDir(t), 'stat');
  const write = (c0: number[], c1: number[]) => {
    const line = (name: string, f: number[]) => `${name} ${f.join(' ')} 0 0 0`;
    const total = c0.map((v, i) => v + c1[i]!);
    writeFileSync(file, `${[line('cpu', total), line('cpu0', c0), line('cpu1', c1), 'btime 1764000000'].join('\n')}\n`);
  };
  // user nice system idle iowait irq softirq steal
  write([100, 0, 0, 900, 0, 0, 0, 0], [500, 0, 0, 500, 0, 0, 0, 0]);
  const collector = cpuCollector(new ProcFile(file));
  collector.collect({}, 0);
  write([150, 0, 0, 950, 0, 0, 0, 0], [590, 0, 0, 510, 0, 0, 0, 0]);
  const out: MetricValues = {};
  collector.collect(out, 1000);
  assert.equal(out['cpuCore.0'], 50);
  assert.equal(out['cpuCore.1'], 90);
  assert.equal(out.cpu, 70);
});

test('temperatures: every hwmon sensor by chip and label, the hottest as tempCelsius, nonsense skipped', (t) => {
  const hwmon = tempDir(t, 'probe-hwmon-');
  const chip = (dir: string, name: string, sensors: Record<string, [string, string]>) => {
    mkdirSync(path.join(hwmon, dir));
    writeFileSync(path.join(hwmon, dir, 'name'), `${name}\n`);
    for (const [n, [label, value]] of Object.entries(sensors)) {
      writeFileSync(path.join(hwmon, dir, `temp${n}_input`), `${value}\n`);
      if (label) writeFileSync(path.join(hwmon, dir, `temp${n}_label`), `${label}\n`);
    }
  };
  chip('hwmon0', 'coretemp', { 1: ['Package id 0', '54000'], 2: ['Core 0', '52500'] });
  chip('hwmon1', 'nvme', { 1: ['Composite', '41850'] });
  chip('hwmon2', 'nvme', { 1: ['Composite', '38000'] });
  chip('hwmon3', 'acpitz', { 1: ['', '-273000'] });
  const out: MetricValues = {};
  temperatureCollector(hwmon).collect(out, 0);
  assert.deepEqual(out, {
    'temp.coretemp.package_id_0': 54,
    'temp.coretemp.core_0': 52.5,
    'temp.nvme.composite': 41.9,
    'temp.nvme2.composite': 38,
    tempCelsius: 54,
  });
  const none: MetricValues = {};
  temperatureCollector(path.join(hwmon, 'missing')).collect(none, 0);
  assert.deepEqual(none, {}, 'no sensors: absent, not zero');
});

test('virtualization from files: containers first, then the DMI vendor, then the hypervisor flag', () => {
  const detect = (files: Record<string, string>) =>
    detectVirtualization(
      (p) => files[p] ?? '',
      (p) => p in files,
    );
  assert.equal(detect({ '/.dockerenv': '' }), 'docker');
  assert.equal(detect({ '/proc/1/cgroup': '0::/kubepods/besteffort/pod1/abc\n' }), 'docker');
  assert.equal(detect({ '/proc/1/environ': 'container=lxc\0PATH=/bin' }), 'lxc');
  assert.equal(
    detect({ '/sys/class/dmi/id/sys_vendor': 'QEMU\n', '/sys/class/dmi/id/product_name': 'Standard PC (Q35 + ICH9, 2009)\n' }),
    'kvm',
  );
  assert.equal(detect({ '/sys/class/dmi/id/sys_vendor': 'VMware, Inc.\n' }), 'vmware');
  assert.equal(
    detect({ '/sys/class/dmi/id/sys_vendor': 'Microsoft Corporation\n', '/sys/class/dmi/id/product_name': 'Virtual Machine\n' }),
    'hyperv',
  );
  assert.equal(detect({ '/proc/cpuinfo': 'processor\t: 0\nflags\t\t: fpu vme hypervisor lahf_lm\n' }), 'vm');
  assert.equal(detect({ '/sys/class/dmi/id/sys_vendor': 'Dell Inc.\n', '/proc/cpuinfo': 'flags\t\t: fpu vme\n' }), 'none');
});

test('public address presence: private, CGNAT, link-local and ULA do not count', () => {
  const nic = (address: string, family: 'IPv4' | 'IPv6', internal = false) =>
    ({ address, family, internal, netmask: '', mac: '', cidr: null }) as os.NetworkInterfaceInfo;
  assert.deepEqual(
    publicAddresses({
      lo: [nic('127.0.0.1', 'IPv4', true)],
      eth0: [nic('10.0.0.5', 'IPv4'), nic('100.64.1.2', 'IPv4'), nic('fe80::1', 'IPv6'), nic('fd00::5', 'IPv6')],
    }),
    { publicIpv4: false, publicIpv6: false },
  );
  assert.deepEqual(publicAddresses({ eth0: [nic('203.0.113.7', 'IPv4'), nic('2001:db8::7', 'IPv6')] }), {
    publicIpv4: true,
    publicIpv6: true,
  });
});
