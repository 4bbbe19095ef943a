/**
 * @module Static host facts sent once in hello: who this node is, not how it is doing.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import type { HostFacts } from '../../protocol/messages';
import { parseBootTime } from './cpu';

export function parseOsRelease(text: string): string | null {
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text);
  return pretty?.[1] || null;
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

const VM_VENDORS: [RegExp, string][] = [
  [/qemu|kvm|openstack|bochs|digitalocean|hetzner|google|amazon ec2|linode|vultr|alibaba|tencent|oracle cloud/i, 'kvm'],
  [/vmware/i, 'vmware'],
  [/microsoft corporation.*virtual|hyper-v/i, 'hyperv'],
  [/xen/i, 'xen'],
  [/innotek|virtualbox/i, 'virtualbox'],
  [/parallels/i, 'parallels'],
];

/**
 * What this machine runs in, from files only (no systemd-detect-virt): container markers first,
 * then the DMI vendor and product names, then the CPU's hypervisor flag. `read` returns '' for a
 * missing file; `exists` tells whether a path exists.
 */
export function detectVirtualization(read: (path: string) => string, exists: (path: string) => boolean): string {
  if (exists('/.dockerenv')) return 'docker';
  if (exists('/run/.containerenv')) return 'podman';
  const cgroup = read('/proc/1/cgroup');
  if (/\/(docker|kubepods|containerd)/.test(cgroup)) return 'docker';
  if (/\/lxc/.test(cgroup) || /container=lxc/.test(read('/proc/1/environ'))) return 'lxc';
  if (exists('/proc/vz') && !exists('/proc/bc')) return 'openvz';
  const dmi = `${read('/sys/class/dmi/id/sys_vendor').trim()} ${read('/sys/class/dmi/id/product_name').trim()}`;
  for (const [pattern, name] of VM_VENDORS) if (pattern.test(dmi)) return name;
  if (read('/sys/hypervisor/type').trim() === 'xen') return 'xen';
  if (/^flags\s*:.*\bhypervisor\b/m.test(read('/proc/cpuinfo'))) return 'vm';
  return 'none';
}

/** Whether any interface holds a globally routable IPv4 / IPv6 address (not private, CGNAT, loopback, link-local or ULA). */
export function publicAddresses(interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]>): { publicIpv4: boolean; publicIpv6: boolean } {
  let publicIpv4 = false;
  let publicIpv6 = false;
  for (const list of Object.values(interfaces)) {
    for (const a of list ?? []) {
      if (a.internal) continue;
      if (a.family === 'IPv4') {
        const [x = 0, y = 0] = a.address.split('.').map(Number);
        const private4 =
          x === 10 ||
          x === 127 ||
          (x === 172 && y >= 16 && y <= 31) ||
          (x === 192 && y === 168) ||
          (x === 169 && y === 254) ||
          (x === 100 && y >= 64 && y <= 127) ||
          x === 0 ||
          x >= 224;
        if (!private4) publicIpv4 = true;
      } else if (/^[23]/.test(a.address)) {
        // 2000::/3 is global unicast; fc00::/7 (ULA) and fe80::/10 (link-local) start otherwise.
        publicIpv6 = true;
      }
    }
  }
  return { publicIpv4, publicIpv6 };
}

export function hostFacts(now: number): HostFacts {
  const cpus = os.cpus();
  const osName = (process.platform === 'linux' && parseOsRelease(readOr('/etc/os-release'))) || `${os.type()} ${os.release()}`;
  const bootTime = (process.platform === 'linux' && parseBootTime(readOr('/proc/stat'))) || Math.round(now - os.uptime() * 1000);
  return {
    hostname: os.hostname().slice(0, 255),
    os: osName.slice(0, 255),
    kernel: os.release().slice(0, 255),
    arch: os.arch(),
    cpuModel: (cpus[0]?.model ?? 'unknown').trim().slice(0, 255),
    cores: cpus.length,
    bootTime,
    virtualization: process.platform === 'linux' ? detectVirtualization(readOr, existsSync) : 'unknown',
    memTotalBytes: os.totalmem(),
    ...publicAddresses(os.networkInterfaces()),
  };
}
