import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { counterRate } from '../../../src/agent/collectors/collector';
import { cpuBusyPercent, parseBootTime, parseProcStat } from '../../../src/agent/collectors/cpu';
import { parseMounts, realFilesystems } from '../../../src/agent/collectors/disk';
import { parseOsRelease } from '../../../src/agent/collectors/host';
import { parseLoadavg } from '../../../src/agent/collectors/load';
import { parseMeminfo } from '../../../src/agent/collectors/memory';
import { isPhysicalInterface, parseNetDev } from '../../../src/agent/collectors/network';
import { countPids } from '../../../src/agent/collectors/processes';
import { parseUptime } from '../../../src/agent/collectors/uptime';
import { FIXTURES } from '../../helpers';

const fixture = (name: string) => readFileSync(path.join(FIXTURES, 'proc', name), 'utf8');

test('/proc/stat: totals, idle including iowait, boot time', () => {
  const host = parseProcStat(fixture('host-stat'));
  assert.equal(host.total, 15330 + 0 + 2640 + 408536 + 508 + 0 + 115 + 139);
  assert.equal(host.idle, 408536 + 508);
  const vm = parseProcStat(fixture('vm-steal-stat'));
  assert.equal(vm.total, 4705 + 356 + 2084 + 130545 + 1221 + 0 + 104 + 5876, 'steal counts as busy time');
  assert.equal(parseBootTime(fixture('vm-steal-stat')), 1764040000 * 1000);
});

test('cpu busy percent between two readings; nonsense deltas give no value', () => {
  assert.equal(cpuBusyPercent({ total: 1000, idle: 800 }, { total: 1200, idle: 950 }), 25);
  assert.equal(cpuBusyPercent({ total: 1000, idle: 800 }, { total: 1000, idle: 800 }), null);
  assert.equal(cpuBusyPercent({ total: 1000, idle: 800 }, { total: 900, idle: 700 }), null, 'counter reset');
});

test('/proc/meminfo: used = total - available, swap', () => {
  const text = fixture('host-meminfo');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)![1]) * 1024;
  const m = parseMeminfo(text);
  assert.equal(m.memTotalBytes, kb('MemTotal'));
  assert.equal(m.memUsedBytes, kb('MemTotal') - kb('MemAvailable'));
  assert.equal(m.swapTotalBytes, kb('SwapTotal'));
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
  assert.deepEqual(host.map((m) => m.mountpoint), ['/']);
  const docker = realFilesystems(parseMounts(fixture('dockerhost-mounts')));
  assert.deepEqual(docker.map((m) => `${m.device} ${m.mountpoint}`), ['/dev/vda1 /', '/dev/vda15 /boot/efi', '/dev/vdb /data']);
  const all = parseMounts(fixture('dockerhost-mounts'));
  assert.ok(all.some((m) => m.mountpoint === '/srv/bind mount'));
  const container = realFilesystems(parseMounts(fixture('container-mounts')));
  assert.deepEqual(container.map((m) => m.mountpoint), ['/'], 'container: the overlay root, not bind-mounted files');
});

test('load, uptime, pid count, os-release', () => {
  assert.deepEqual(parseLoadavg('0.63 0.25 0.17 1/215 12345\n'), { load1: 0.63, load5: 0.25, load15: 0.17 });
  assert.throws(() => parseLoadavg('x y z'));
  assert.equal(parseUptime(fixture('host-uptime')), Math.floor(Number(fixture('host-uptime').split(' ')[0])));
  assert.equal(countPids(['1', '22', 'self', 'net', '333', 'sys']), 3);
  assert.equal(parseOsRelease('NAME="Debian"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'), 'Debian GNU/Linux 12 (bookworm)');
  assert.equal(parseOsRelease('PRETTY_NAME=Alpine\n'), 'Alpine');
});
