/**
 * @module Static host facts sent once in hello: who this node is, not how it is doing.
 */
import { readFileSync } from 'node:fs';
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
  };
}
