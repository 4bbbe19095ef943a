/**
 * @module Custom metrics from commands in the agent's own config file (`agent.commands`), each on
 * its own interval with a timeout; never from the server, which cannot make an agent run anything.
 * A command prints one number (`custom.<name>`) or Prometheus text lines (`custom.<series>`). Each
 * sample carries the newest value of every command; a failing command's metrics are absent.
 */
import type { MetricValues } from '../../protocol/metrics';
import { CUSTOM_PREFIX } from '../../protocol/metrics';
import { log } from '../../util/log';
import type { Collector } from './collector';
import { parseTextfile } from './textfile';
import { builtin } from '../../util/builtin';

export interface CommandMetric {
  /** Metric name for single-number output: `custom.<name>`. */
  name: string;
  /** Run with /bin/sh -c, as the agent's user. */
  command: string;
  intervalMs: number;
  timeoutMs: number;
}

const MAX_OUTPUT_BYTES = 64 * 1024;

/** What one run printed: a single number, or Prometheus text lines. */
export function parseCommandOutput(name: string, stdout: string): MetricValues | null {
  const text = stdout.trim();
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return { [`${CUSTOM_PREFIX}${name}`]: Number(text) };
  const values: MetricValues = {};
  const problems = parseTextfile(text, values);
  return problems.length === 0 && Object.keys(values).length > 0 ? values : null;
}

export function commandsCollector(commands: readonly CommandMetric[]): Collector & { stop(): void } {
  const latest = new Map<string, MetricValues>();
  const timers: NodeJS.Timeout[] = [];
  const warned = new Set<string>();
  const warn = (c: CommandMetric, message: string) => {
    if (!warned.has(c.name)) log.warn(`custom metric command ${message}; its metrics are absent until it works`, { metric: c.name });
    warned.add(c.name);
  };
  const run = (c: CommandMetric) => {
    builtin('node:child_process').execFile(
      '/bin/sh',
      ['-c', c.command],
      { timeout: c.timeoutMs, maxBuffer: MAX_OUTPUT_BYTES, killSignal: 'SIGKILL' },
      (err, stdout) => {
        if (err) {
          latest.delete(c.name);
          return warn(c, err.killed ? `timed out after ${c.timeoutMs} ms` : `failed (${err.code ?? err.message})`);
        }
        const values = parseCommandOutput(c.name, stdout);
        if (!values) {
          latest.delete(c.name);
          return warn(c, 'printed neither a number nor "name value" lines');
        }
        if (warned.delete(c.name)) log.info('custom metric command works again', { metric: c.name });
        latest.set(c.name, values);
      },
    );
  };
  let started = false;
  return {
    name: 'commands',
    collect(out) {
      if (!started) {
        started = true;
        for (const c of commands) {
          run(c);
          const timer = setInterval(() => run(c), c.intervalMs);
          timer.unref();
          timers.push(timer);
        }
      }
      for (const values of latest.values()) Object.assign(out, values);
    },
    stop() {
      for (const t of timers) clearInterval(t);
    },
  };
}
