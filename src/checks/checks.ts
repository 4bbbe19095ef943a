/**
 * @module The `checks` list of a config file, parsed as a whole (each entry by its type's file,
 * names unique), and one entry point to run any check.
 */
import type { Clock } from '../util/clock';
import { configFields as f } from '../util/fields';
import type { CheckResult, CheckTypeName } from './check';
import { CHECK_TYPES } from './check';
import type { DnsCheck } from './dns';
import { dnsCheck } from './dns';
import type { HttpCheck } from './http';
import { httpCheck } from './http';
import type { IcmpCheck } from './icmp';
import { icmpCheck } from './icmp';
import type { TcpCheck } from './tcp';
import { tcpCheck } from './tcp';

export type Check = HttpCheck | TcpCheck | IcmpCheck | DnsCheck;

const MAX_CHECKS = 1000;

/** The parser of each type, to parse an entry by its `type`. */
const PARSERS: Record<CheckTypeName, (raw: unknown, key: string) => Check> = {
  http: httpCheck.parse,
  https: httpCheck.parse,
  tcp: tcpCheck.parse,
  icmp: icmpCheck.parse,
  dns: dnsCheck.parse,
};

/** One entry, `key` as "checks[2]". */
export function parseCheck(raw: unknown, key: string): Check {
  const entry = f.object(raw, key);
  const type = f.oneOf(entry.type, `${key}.type`, CHECK_TYPES);
  return PARSERS[type](entry, key);
}

/** The whole `checks` list (absent: none). Throws PROBE_ERR_CONFIG naming the first bad key. */
export function parseChecks(value: unknown, key = 'checks'): Check[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > MAX_CHECKS) throw f.bad(key, `must be a list of at most ${MAX_CHECKS} checks`);
  const seen = new Map<string, number>();
  return value.map((raw, i) => {
    const check = parseCheck(raw, `${key}[${i}]`);
    const first = seen.get(check.name);
    if (first !== undefined)
      throw f.bad(`${key}[${i}].name`, `must be unique: ${JSON.stringify(check.name)} is also the name of ${key}[${first}]`);
    seen.set(check.name, i);
    return check;
  });
}

/** Runs any check once; never rejects. */
export function runCheck(check: Check, signal: AbortSignal, clock?: Clock): Promise<CheckResult> {
  switch (check.type) {
    case 'http':
    case 'https':
      return httpCheck.run(check, signal, clock);
    case 'tcp':
      return tcpCheck.run(check, signal, clock);
    case 'icmp':
      return icmpCheck.run(check, signal, clock);
    case 'dns':
      return dnsCheck.run(check, signal, clock);
  }
}
