/**
 * @module The one parser for what a server says to an agent: JSON text in, a typed message or a
 * PROBE_ERR_* code out, never a throw. The agent trusts the server with nothing: a hostile or
 * broken one may send anything, and must not be able to crash it. Imports nothing outside
 * src/protocol.
 */
import type { ServerMessage } from './messages';
import type { ParseResult } from './parse';

/** Longest string field and list the agent reads from a server. */
const MAX_STRING = 256;
const MAX_LIST = 1024;
/**
 * Largest ack interval taken from a welcome: the agent's silence timeout follows it, and Node's
 * timers turn anything past 2^31 ms into 1 ms (a reconnect loop).
 */
export const MAX_ACK_INTERVAL_MS = 3_600_000;

class Bad extends Error {}

type Json = Record<string, unknown>;

function string(obj: Json, key: string, max = MAX_STRING): string {
  const value = obj[key];
  if (typeof value !== 'string' || value.length > max)
    throw new Bad(`${String(obj.type)}.${key} must be a string of at most ${max} characters`);
  return value;
}

function integer(obj: Json, key: string, min: number, max: number): number {
  const value = obj[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max)
    throw new Bad(`${String(obj.type)}.${key} must be an integer from ${min} to ${max}`);
  return value;
}

function parseWelcome(msg: Json): ServerMessage {
  // Absent means none: the welcome is still good for what else it says.
  const ignored = msg.ignoredMetrics ?? [];
  if (!Array.isArray(ignored) || ignored.length > MAX_LIST || !ignored.every((m) => typeof m === 'string' && m.length <= MAX_STRING)) {
    throw new Bad(`welcome.ignoredMetrics must be a list of at most ${MAX_LIST} metric names`);
  }
  if (msg.compact !== undefined && typeof msg.compact !== 'boolean') throw new Bad('welcome.compact must be true or false');
  return {
    type: 'welcome',
    protocol: integer(msg, 'protocol', 1, Number.MAX_SAFE_INTEGER),
    serverVersion: string(msg, 'serverVersion'),
    node: string(msg, 'node'),
    ignoredMetrics: ignored as string[],
    ...(msg.ackIntervalMs === undefined ? {} : { ackIntervalMs: integer(msg, 'ackIntervalMs', 0, MAX_ACK_INTERVAL_MS) }),
    ...(msg.compact === undefined ? {} : { compact: msg.compact as boolean }),
  };
}

/** Parses one frame from the server. Unknown message types are refused too: the caller ignores them. */
export function parseServerMessage(text: string): ParseResult<ServerMessage> {
  try {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Bad('message is not valid JSON');
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Bad('message must be a JSON object');
    const msg = json as Json;
    switch (msg.type) {
      case 'welcome':
        return { ok: true, value: parseWelcome(msg) };
      case 'ack':
        return { ok: true, value: { type: 'ack', seq: integer(msg, 'seq', 0, Number.MAX_SAFE_INTEGER) } };
      case 'error':
        return { ok: true, value: { type: 'error', code: string(msg, 'code'), message: string(msg, 'message', 4 * MAX_STRING) } };
      case 'hold':
        return { ok: true, value: { type: 'hold', reason: string(msg, 'reason') } };
      default:
        return {
          ok: false,
          code: 'PROBE_ERR_UNKNOWN_TYPE',
          message: `unknown message type ${typeof msg.type === 'string' ? JSON.stringify(msg.type.slice(0, 40)) : 'none'}`,
        };
    }
  } catch (err) {
    // JSON.parse of deeply nested input can overflow the stack; that is bad input too.
    return { ok: false, code: 'PROBE_ERR_BAD_MESSAGE', message: err instanceof Bad ? err.message : 'message could not be parsed' };
  }
}
