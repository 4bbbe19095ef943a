/**
 * @module The `dns` check: does `host` resolve, and to the expected answer? One query of the
 * record type through the system's resolvers or the one named in `resolver`; the latency is the
 * query's.
 */
import type { Resolver } from 'node:dns/promises';
import net from 'node:net';
import type { Clock } from '../util/clock';
import { systemClock } from '../util/clock';
import { configFields as f } from '../util/fields';
import type { CheckBase, CheckResult, CheckType } from './check';
import { abortable, deadline, parseBase, parseHost, since } from './check';
import { builtin } from '../util/builtin';

export const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

export interface DnsCheck extends CheckBase {
  type: 'dns';
  /** The name to look up. */
  host: string;
  record: RecordType;
  /** Up only if one of the answers is this (see `matches`). */
  expect?: string;
  /** "ip" or "ip:port" ("[v6]:port"); the system's resolvers when absent. */
  resolver?: string;
}

/** "1.1.1.1", "127.0.0.1:5353", "::1" or "[::1]:5353". */
function parseResolver(value: unknown, key: string): string | undefined {
  const text = f.optionalText(value, key, 100);
  if (text === undefined || net.isIP(text) !== 0) return text;
  const match = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([\d.]+):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[2]) : 0;
  if (!match || net.isIP(match[1]!) === 0 || port < 1 || port > 65535)
    throw f.bad(
      key,
      `must be an IP address with an optional port ("1.1.1.1", "127.0.0.1:5353", "[::1]:5353"), got ${JSON.stringify(text)}`,
    );
  return text;
}

function parse(raw: unknown, key: string): DnsCheck {
  const { entry, base } = parseBase(raw, key, ['dns'], ['host', 'record', 'expect', 'resolver']);
  const expect = f.optionalText(entry.expect, `${key}.expect`, 1000);
  const resolver = parseResolver(entry.resolver, `${key}.resolver`);
  return {
    ...base,
    host: parseHost(entry.host, `${key}.host`),
    record: f.oneOf(entry.record, `${key}.record`, RECORD_TYPES, 'A'),
    ...(expect !== undefined && { expect }),
    ...(resolver !== undefined && { resolver }),
  };
}

/** The answers as text: addresses, names, "10 mail.example.com" for MX, a TXT record's strings joined. */
async function query(resolver: Resolver, host: string, record: RecordType): Promise<string[]> {
  switch (record) {
    case 'A':
      return resolver.resolve4(host);
    case 'AAAA':
      return resolver.resolve6(host);
    case 'CNAME':
      return resolver.resolveCname(host);
    case 'NS':
      return resolver.resolveNs(host);
    case 'MX':
      return (await resolver.resolveMx(host)).map((mx) => `${mx.priority} ${mx.exchange}`);
    case 'TXT':
      return (await resolver.resolveTxt(host)).map((chunks) => chunks.join(''));
  }
}

const canonical = (name: string) => name.trim().toLowerCase().replace(/\.$/, '');

/** An answer matches the expected text exactly, ignoring case and a final dot; an MX also by its host alone. */
export function matches(answer: string, expected: string, record: RecordType): boolean {
  if (record === 'TXT') return answer === expected;
  const want = canonical(expected);
  return canonical(answer) === want || (record === 'MX' && canonical(answer.replace(/^\d+\s+/, '')) === want);
}

const WHY: Record<string, string> = {
  ENOTFOUND: 'no such name',
  ENODATA: 'no records of this type',
  ETIMEOUT: 'the resolver did not answer',
  ECONNREFUSED: 'the resolver refused the connection',
  ESERVFAIL: 'the resolver failed (SERVFAIL)',
  EREFUSED: 'the resolver refused the query',
};

function describe(err: unknown, check: DnsCheck): Error {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const why = WHY[code] ?? (err instanceof Error ? err.message : String(err));
  return new Error(`${check.record} ${check.host}: ${why}${code !== '' && WHY[code] ? ` (${code})` : ''}`);
}

async function run(check: DnsCheck, signal: AbortSignal, clock: Clock = systemClock): Promise<CheckResult> {
  const ts = clock.now();
  const limit = deadline(signal, check.timeoutMs, clock);
  // tries: 1, so a lost answer shows as a failure and not as a run that takes the timeout several times.
  const resolver = new (builtin('node:dns/promises').Resolver)({ timeout: check.timeoutMs, tries: 1 });
  if (check.resolver !== undefined) resolver.setServers([check.resolver]);
  const cancel = () => resolver.cancel();
  limit.signal.addEventListener('abort', cancel, { once: true });
  const started = performance.now();
  try {
    const answers = await abortable(
      query(resolver, check.host, check.record).catch((err: unknown) => Promise.reject(describe(err, check))),
      limit.signal,
    );
    const latencyMs = since(started);
    if (answers.length === 0) return { ts, up: false, latencyMs, error: `${check.record} ${check.host}: no records of this type` };
    if (check.expect !== undefined && !answers.some((a) => matches(a, check.expect!, check.record))) {
      return {
        ts,
        up: false,
        latencyMs,
        error:
          `${check.record} ${check.host}: expected ${JSON.stringify(check.expect)}, ` +
          `got ${answers.map((a) => JSON.stringify(a)).join(', ')}`,
      };
    }
    return { ts, up: true, latencyMs };
  } catch (err) {
    return { ts, up: false, latencyMs: null, error: limit.describe(err) };
  } finally {
    limit.signal.removeEventListener('abort', cancel);
    limit.done();
  }
}

export const dnsCheck: CheckType<DnsCheck> = { parse, run };
