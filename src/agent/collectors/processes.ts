/**
 * @module Process count: the numeric entries of /proc (one per process, threads excluded).
 */
import { readdirSync } from 'node:fs';
import type { Collector } from './collector';

export function countPids(entries: readonly string[]): number {
  let count = 0;
  for (const name of entries) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) count++;
  }
  return count;
}

export function processesCollector(procDir = '/proc'): Collector {
  return {
    name: 'processes',
    collect(out) {
      out.processes = countPids(readdirSync(procDir));
    },
  };
}
