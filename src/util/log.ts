/**
 * @module Line-oriented logging to stderr: `time level message key=value…`. Never pass secrets.
 * A log that cannot be written (a full disk, a closed pipe) never stops the process: the lines
 * are counted and the count is logged once writing works again.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

let threshold: LogLevel = 'info';

export function setLogLevel(level: LogLevel): void {
  threshold = level;
}

/** The level set now (a worker thread is started with it). */
export function logLevel(): LogLevel {
  return threshold;
}

function write(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
  if (ORDER[level] < ORDER[threshold]) return;
  let line = `${new Date().toISOString()} ${level.padEnd(5)} ${message}`;
  if (fields) {
    for (const [key, value] of Object.entries(fields)) {
      if (value === undefined) continue;
      line += ` ${key}=${typeof value === 'string' && !/\s/.test(value) ? value : JSON.stringify(value)}`;
    }
  }
  emit(`${line}\n`);
}

let lost = 0;
let guarded = false;

/** Writes to stderr; a write that fails (ENOSPC on a file, EPIPE on a closed pipe) only counts. */
function emit(text: string): void {
  if (!guarded) guardOutput();
  try {
    if (lost > 0) {
      process.stderr.write(
        `${new Date().toISOString()} warn  ${lost} log lines were lost: ` +
          `the log could not be written (full disk or closed pipe) lost=${lost}\n`,
      );
      lost = 0;
    }
    process.stderr.write(text);
  } catch {
    lost++;
  }
}

/**
 * Failed writes to stdout or stderr arrive as 'error' events (pipes) or exceptions (files, which
 * Node writes synchronously); an 'error' event with no listener would end the process.
 */
export function guardOutput(): void {
  guarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.listenerCount('error') === 0) stream.on('error', () => lost++);
  }
}

export const log = {
  debug: (m: string, f?: Record<string, unknown>) => write('debug', m, f),
  info: (m: string, f?: Record<string, unknown>) => write('info', m, f),
  warn: (m: string, f?: Record<string, unknown>) => write('warn', m, f),
  error: (m: string, f?: Record<string, unknown>) => write('error', m, f),
};

/**
 * Logs events one line each up to `perSecond` lines a second; past that, counts them and writes
 * one line per message for the rest when the second is over. For events that can come by the
 * thousand at once (10 000 agents cut in one sweep wrote 10 000 lines and held the server ~1 s)
 * or be provoked by anyone (refused keys).
 */
export class BurstLog {
  private windowStart = -Infinity;
  private lines = 0;
  private readonly held = new Map<string, { level: LogLevel; count: number }>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  write(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    const now = this.now();
    if (now - this.windowStart >= 1000) {
      this.flush();
      this.windowStart = now;
      this.lines = 0;
    }
    if (++this.lines <= this.perSecond) return write(level, message, fields);
    const held = this.held.get(message);
    if (held) held.count++;
    else this.held.set(message, { level, count: 1 });
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), Math.max(0, this.windowStart + 1000 - now));
      this.timer.unref();
    }
  }

  /** Writes the counts held back so far. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const [message, { level, count }] of this.held)
      write(level, `${message} (${count} more like this in one second, not logged one by one)`, { count });
    this.held.clear();
  }
}
