/**
 * @module The `tcp` check: is a port open? Up when a TCP connection to `host: "h:port"` is
 * accepted; the latency is the connect time, the name resolved first so the figure is the network's.
 */
import net from 'node:net';
import type { Clock } from '../util/clock';
import { systemClock } from '../util/clock';
import type { CheckBase, CheckResult, CheckType } from './check';
import { abortable, deadline, parseBase, parseHostPort, since } from './check';
import { builtin } from '../util/builtin';

export interface TcpCheck extends CheckBase {
  type: 'tcp';
  host: string;
  port: number;
}

function parse(raw: unknown, key: string): TcpCheck {
  const { entry, base } = parseBase(raw, key, ['tcp'], ['host']);
  return { ...base, ...parseHostPort(entry.host, `${key}.host`) };
}

/** Resolves `host` to one address; an IP is kept as it is. */
export async function resolveHost(host: string, signal: AbortSignal): Promise<string> {
  if (net.isIP(host) !== 0) return host;
  try {
    return (await abortable(builtin('node:dns/promises').lookup(host), signal)).address;
  } catch (err) {
    if (signal.aborted) throw err;
    throw new Error(`cannot resolve ${host}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** Connects, returns the connect time in ms and closes at once. */
function connectMs(address: string, port: number, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const started = performance.now();
    const socket = net.connect({ host: address, port });
    const onAbort = () => finish(signal.reason as Error);
    const finish = (err: Error | null) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if (err) reject(err);
      else resolve(since(started));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish(null));
    socket.on('error', (err: NodeJS.ErrnoException) =>
      finish(new Error(err.code === 'ECONNREFUSED' ? `connection refused by ${address} port ${port}` : err.message)),
    );
  });
}

async function run(check: TcpCheck, signal: AbortSignal, clock: Clock = systemClock): Promise<CheckResult> {
  const ts = clock.now();
  const limit = deadline(signal, check.timeoutMs, clock);
  try {
    const address = await resolveHost(check.host, limit.signal);
    return { ts, up: true, latencyMs: await connectMs(address, check.port, limit.signal) };
  } catch (err) {
    return { ts, up: false, latencyMs: null, error: limit.describe(err) };
  } finally {
    limit.done();
  }
}

export const tcpCheck: CheckType<TcpCheck> = { parse, run };
