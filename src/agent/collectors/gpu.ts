/**
 * @module NVIDIA GPUs through `nvidia-smi`, started once in its own loop mode (`-lms`) rather than
 * once per sample: each line it prints updates the newest reading per GPU. Without nvidia-smi on
 * the PATH the GPU metrics are absent (not zero); if it exits, it is started again after a minute.
 */
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { log } from '../../util/log';
import type { Collector } from './collector';
import { builtin } from '../../util/builtin';

export interface GpuReading {
  index: string;
  utilPercent: number;
  memUsedBytes: number;
  memTotalBytes: number;
}

const MIB = 1024 * 1024;
const RESTART_MS = 60_000;
/** A reading older than this (nvidia-smi hung) is not reported. */
const STALE_MS = 10_000;

/** One CSV line of `--query-gpu=index,utilization.gpu,memory.used,memory.total --format=csv,noheader,nounits`. */
export function parseGpuLine(line: string): GpuReading | null {
  const [index, util, used, total] = line.split(',').map((f) => f.trim());
  if (!index || !/^\d{1,3}$/.test(index)) return null;
  const numbers = [util, used, total].map(Number);
  // "[N/A]" (a GPU without the counter) makes the whole reading unusable rather than zero.
  if (numbers.some((n) => !Number.isFinite(n))) return null;
  return { index, utilPercent: numbers[0]!, memUsedBytes: numbers[1]! * MIB, memTotalBytes: numbers[2]! * MIB };
}

export function findOnPath(name: string, pathVar = process.env.PATH ?? ''): string | null {
  for (const dir of pathVar.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

export function gpuCollector(intervalMs: number, command = findOnPath('nvidia-smi')): Collector & { stop(): void } {
  const readings = new Map<string, GpuReading & { at: number }>();
  let child: ChildProcess | null = null;
  let restart: NodeJS.Timeout | null = null;
  let stopped = false;

  const start = () => {
    restart = null;
    if (!command || stopped) return;
    const args = [
      '--query-gpu=index,utilization.gpu,memory.used,memory.total',
      '--format=csv,noheader,nounits',
      `-lms=${Math.max(1000, intervalMs)}`,
    ];
    child = builtin('node:child_process').spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let partial = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!.slice(-4096);
      for (const line of lines) {
        const reading = parseGpuLine(line);
        if (reading) readings.set(reading.index, { ...reading, at: Date.now() });
      }
    });
    child.on('error', (err) => log.warn('nvidia-smi failed to start; GPU metrics are absent', { error: err.message }));
    child.on('exit', () => {
      child = null;
      if (!stopped) restart = setTimeout(start, RESTART_MS).unref();
    });
  };

  return {
    name: 'gpu',
    collect(out) {
      if (!command) return;
      if (!child && !restart) start();
      const now = Date.now();
      let util = 0;
      let used = 0;
      let total = 0;
      let n = 0;
      for (const r of readings.values()) {
        if (now - r.at > STALE_MS) continue;
        out[`gpuUtil.${r.index}`] = r.utilPercent;
        out[`gpuMemUsedBytes.${r.index}`] = r.memUsedBytes;
        util += r.utilPercent;
        used += r.memUsedBytes;
        total += r.memTotalBytes;
        n++;
      }
      if (n === 0) return;
      out.gpuUtil = Math.round((util / n) * 10) / 10;
      out.gpuMemUsedBytes = used;
      out.gpuMemTotalBytes = total;
    },
    stop() {
      stopped = true;
      if (restart) clearTimeout(restart);
      child?.kill();
    },
  };
}
