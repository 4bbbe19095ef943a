/**
 * @module Custom metrics from Prometheus text files (the node_exporter textfile convention): every
 * `*.prom` file in a directory, re-read when it changes. `queue_depth 5` becomes
 * `custom.queue_depth`; labels become name parts, `jobs{queue="mail"} 3` -> `custom.jobs.mail`.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { MetricValues } from '../../protocol/metrics';
import { CUSTOM_PREFIX, isKnownMetric } from '../../protocol/metrics';
import { log } from '../../util/log';
import type { Collector } from './collector';

/** At most this many custom metrics per agent, so a sample stays far below the server's size limit. */
export const MAX_CUSTOM_METRICS = 100;
const MAX_FILE_BYTES = 64 * 1024;
const LINE = /^([A-Za-z_:][A-Za-z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?\s*$/;
const LABEL = /([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g;

/** The custom metric name for a Prometheus series, or null if it cannot be one. */
export function customName(metric: string, labels: string | undefined): string | null {
  const parts = [metric];
  if (labels) for (const m of labels.matchAll(LABEL)) parts.push(m[2]!.replace(/[^A-Za-z0-9_-]/g, '_') || '_');
  const name = CUSTOM_PREFIX + parts.join('.');
  return isKnownMetric(name) ? name : null;
}

/** Adds the series of one file to `out`; returns lines it could not use. */
export function parseTextfile(text: string, out: MetricValues): string[] {
  const problems: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    const value = match ? Number(match[4]) : NaN;
    const name = match ? customName(match[1]!, match[3]) : null;
    if (!match || !Number.isFinite(value) || !name) {
      problems.push(line.slice(0, 80));
      continue;
    }
    out[name] = value;
  }
  return problems;
}

interface Cached {
  mtimeMs: number;
  size: number;
  values: MetricValues;
}

export function textfileCollector(dir: string): Collector {
  const cache = new Map<string, Cached>();
  const warned = new Set<string>();
  return {
    name: 'textfile',
    collect(out) {
      const files = readdirSync(dir)
        .filter((f) => f.endsWith('.prom'))
        .sort();
      for (const name of [...cache.keys()]) if (!files.includes(name)) cache.delete(name);
      let count = 0;
      for (const file of files) {
        const full = path.join(dir, file);
        let cached = cache.get(file);
        try {
          const stat = statSync(full);
          if (!cached || cached.mtimeMs !== stat.mtimeMs || cached.size !== stat.size) {
            const values: MetricValues = {};
            if (stat.size > MAX_FILE_BYTES) throw new Error(`larger than ${MAX_FILE_BYTES} bytes`);
            const problems = parseTextfile(readFileSync(full, 'utf8'), values);
            if (problems.length > 0 && !warned.has(file)) {
              warned.add(file);
              log.warn('textfile has lines that are not "name{labels} value"; they are skipped', { file: full, first: problems[0] });
            }
            cache.set(file, (cached = { mtimeMs: stat.mtimeMs, size: stat.size, values }));
          }
        } catch (err) {
          // Being rewritten, removed, or unreadable: skip it this time.
          if (!warned.has(file)) log.warn('cannot read textfile', { file: full, error: (err as Error).message });
          warned.add(file);
          continue;
        }
        for (const [name, value] of Object.entries(cached.values)) {
          if (count >= MAX_CUSTOM_METRICS) {
            if (!warned.has('\0limit')) log.warn(`more than ${MAX_CUSTOM_METRICS} custom metrics; the rest are left out`, { dir });
            warned.add('\0limit');
            return;
          }
          out[name] = value;
          count++;
        }
      }
    },
  };
}
