/**
 * @module The `icmp` check: does `host` answer a ping? One echo through the system's `ping`
 * (iputils-ping: `ping -n -c 1 -W <s>`), which holds the privilege raw sockets need; the latency
 * is the round trip `ping` reports.
 */
import type { Clock } from '../util/clock';
import { systemClock } from '../util/clock';
import type { CheckBase, CheckResult, CheckType } from './check';
import { deadline, parseBase, parseHost, showMs } from './check';
import { builtin } from '../util/builtin';

export interface IcmpCheck extends CheckBase {
  type: 'icmp';
  host: string;
}

function parse(raw: unknown, key: string): IcmpCheck {
  const { entry, base } = parseBase(raw, key, ['icmp'], ['host']);
  return { ...base, host: parseHost(entry.host, `${key}.host`) };
}

/** The round trip in ms, or an Error saying why there is none. `command` is there for tests. */
export function ping(host: string, timeoutMs: number, signal: AbortSignal, command = 'ping'): Promise<number | Error> {
  const waitSeconds = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
  return new Promise((resolve) => {
    builtin('node:child_process').execFile(
      command,
      ['-n', '-c', '1', '-W', waitSeconds, host],
      { signal, timeout: timeoutMs + 1000 },
      (err, stdout, stderr) => {
        const time = /time[=<]\s*([\d.]+)\s*ms/.exec(stdout);
        if (time) return resolve(Math.round(Number(time[1]) * 100) / 100);
        if (signal.aborted) return resolve(signal.reason as Error);
        const code = (err as NodeJS.ErrnoException | null)?.code;
        if (code === 'ENOENT')
          return resolve(
            new Error(`cannot ping: "${command}" is not installed on this machine (Debian/Ubuntu: apt-get install iputils-ping)`),
          );
        const said = stderr.trim().split('\n')[0] ?? '';
        if (/not permitted|permission denied|socket:/i.test(said))
          return resolve(new Error(`cannot ping: not permitted on this machine (${said})`));
        // Exit status 1 is iputils' "no reply"; anything else (2) comes with a reason on stderr.
        resolve(new Error(said !== '' ? said : `no reply within ${showMs(timeoutMs)}`));
      },
    );
  });
}

async function run(check: IcmpCheck, signal: AbortSignal, clock: Clock = systemClock): Promise<CheckResult> {
  const ts = clock.now();
  const limit = deadline(signal, check.timeoutMs, clock);
  try {
    const ms = await ping(check.host, check.timeoutMs, limit.signal);
    return typeof ms === 'number' ? { ts, up: true, latencyMs: ms } : { ts, up: false, latencyMs: null, error: ms.message };
  } finally {
    limit.done();
  }
}

export const icmpCheck: CheckType<IcmpCheck> = { parse, run };
