/**
 * @module The one parser for untrusted agent messages (and the live page's requests): JSON text
 * in, a typed message or an error with a PROBE_ERR_* code out. Imports nothing outside src/protocol.
 */
import type { ErrorCode } from './errors';
import { COMPACT_MARK, decodeCompact } from './compact';
import type { DecodedFields } from './compact';
import { PROTOCOL_VERSION, MAX_AGENT_MESSAGE_BYTES } from './messages';
import type { AgentMessage, HelloMessage, HostFacts, LiveWatch, SampleMessage } from './messages';
import { isKnownMetric } from './metrics';
import type { Row } from './row';

/** `fatal`: the connection cannot go on (a compact frame failed, so both sides' state is unknown). */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string; fatal?: boolean };

export interface ParseContext {
  /** Schema from this connection's hello, or null before hello. */
  schema: readonly string[] | null;
  /** The fields of this connection's previous compact frame (see compact.ts); updated by each one parsed. */
  compact?: { prev: DecodedFields | null; spare?: DecodedFields };
  /** Server clock, Unix ms: samples too far from it (after `correctTs`) are refused. */
  now: number;
  /** The sample's time on the server's clock, given its seq, the node's `ts` and the arrival (`now`; see server/agents/clock-offset.ts). */
  correctTs?: (seq: number, ts: number, now: number) => number;
}

const MAX_METRICS = 256;
const MAX_STRING = 256;
/** How far a sample's timestamp may lie in the past (backfill after an outage) or future (skew). */
export const MAX_SAMPLE_AGE_MS = 400 * 24 * 3600 * 1000;
export const MAX_SAMPLE_LEAD_MS = 5 * 60 * 1000;
/** Longest sample interval an agent may announce: what `agent.interval` allows. */
export const MAX_INTERVAL_MS = 3_600_000;

class Bad extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const badMessage = (message: string) => new Bad('PROBE_ERR_BAD_MESSAGE', message);

type Json = Record<string, unknown>;

function object(value: unknown, what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badMessage(`${what} must be a JSON object`);
  }
  return value as Json;
}

function string(obj: Json, key: string, what: string): string {
  const value = obj[key];
  if (typeof value !== 'string') throw badMessage(`${what}.${key} must be a string`);
  if (value.length > MAX_STRING) throw badMessage(`${what}.${key} is longer than ${MAX_STRING} characters`);
  return value;
}

function integer(obj: Json, key: string, what: string, min: number): number {
  const value = obj[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw badMessage(`${what}.${key} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function parseHost(value: unknown): HostFacts {
  const host = object(value, 'hello.host');
  return {
    hostname: string(host, 'hostname', 'hello.host'),
    os: string(host, 'os', 'hello.host'),
    kernel: string(host, 'kernel', 'hello.host'),
    arch: string(host, 'arch', 'hello.host'),
    cpuModel: string(host, 'cpuModel', 'hello.host'),
    cores: integer(host, 'cores', 'hello.host', 0),
    bootTime: integer(host, 'bootTime', 'hello.host', 0),
    ...(host.virtualization === undefined ? {} : { virtualization: string(host, 'virtualization', 'hello.host') }),
    ...(host.memTotalBytes === undefined ? {} : { memTotalBytes: integer(host, 'memTotalBytes', 'hello.host', 0) }),
    ...(host.diskTotalBytes === undefined ? {} : { diskTotalBytes: integer(host, 'diskTotalBytes', 'hello.host', 0) }),
    ...(host.publicIpv4 === undefined ? {} : { publicIpv4: boolean(host, 'publicIpv4', 'hello.host') }),
    ...(host.publicIpv6 === undefined ? {} : { publicIpv6: boolean(host, 'publicIpv6', 'hello.host') }),
  };
}

function boolean(obj: Json, key: string, what: string): boolean {
  if (typeof obj[key] !== 'boolean') throw badMessage(`${what}.${key} must be true or false`);
  return obj[key] as boolean;
}

function parseHello(msg: Json): HelloMessage {
  const protocol = integer(msg, 'protocol', 'hello', 1);
  if (protocol !== PROTOCOL_VERSION) {
    throw new Bad(
      'PROBE_ERR_PROTOCOL_VERSION',
      `agent speaks protocol ${protocol}, this server speaks ${PROTOCOL_VERSION}: run the same probe version on both`,
    );
  }
  const metrics = msg.metrics;
  if (!Array.isArray(metrics) || metrics.length > MAX_METRICS || !metrics.every((m) => typeof m === 'string' && m.length <= 80)) {
    throw badMessage(`hello.metrics must be an array of at most ${MAX_METRICS} metric names`);
  }
  const intervalMs = integer(msg, 'intervalMs', 'hello', 1);
  // The server cuts an agent silent for two intervals: without a bound, 1e15 would turn that off.
  if (intervalMs > MAX_INTERVAL_MS) throw badMessage(`hello.intervalMs must be at most ${MAX_INTERVAL_MS} (an hour), got ${intervalMs}`);
  return {
    type: 'hello',
    protocol,
    agentVersion: string(msg, 'agentVersion', 'hello'),
    host: parseHost(msg.host),
    metrics: metrics as string[],
    intervalMs,
    ...(msg.ts === undefined ? {} : { ts: integer(msg, 'ts', 'hello', 0) }),
  };
}

/** Values beyond this size are refused: sums of them in rollups would overflow to Infinity. */
export const MAX_ABS_VALUE = 1e300;

function metricValue(name: string, value: unknown): number | undefined {
  if (value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw badMessage(`sample value for "${name}" must be a finite number or null, got ${JSON.stringify(value)}`);
  }
  if (Math.abs(value) > MAX_ABS_VALUE) throw badMessage(`sample value for "${name}" is out of range: at most ±1e300`);
  return value;
}

/** Which names of a schema are known metrics, worked out once per schema (per hello), not per sample. */
const knownBySchema = new WeakMap<readonly string[], boolean[]>();

function knownFlags(schema: readonly string[]): boolean[] {
  let known = knownBySchema.get(schema);
  if (!known) knownBySchema.set(schema, (known = schema.map(isKnownMetric)));
  return known;
}

/** Values given as an array aligned with `schema`, starting at `offset` of `raw`; unknown metrics and nulls become NaN. */
function parseRow(raw: unknown, schema: readonly string[], offset = 0): Row {
  if (!Array.isArray(raw)) return namedRow(raw, 'sample.values');
  if (raw.length - offset !== schema.length) {
    throw badMessage(`sample.values has ${raw.length - offset} entries but hello declared ${schema.length} metrics`);
  }
  const known = knownFlags(schema);
  const data: number[] = new Array(schema.length);
  for (let i = 0; i < schema.length; i++) {
    const value = metricValue(schema[i]!, raw[offset + i]);
    data[i] = value !== undefined && known[i] ? value : NaN;
  }
  return { names: schema, data };
}

/** The values of decoded compact fields (after seq and ts; NaN: absent) as a row; unknown metrics become NaN. */
function decodedRow(fields: DecodedFields, schema: readonly string[]): Row {
  const known = knownFlags(schema);
  // A copy of a double array is one (a new Array(n) filled in is made twice: first for small
  // integers, then again once a double comes), and values are checked here, not by a call, which
  // would box each double passed to it (~800 bytes a frame in all at 39 values).
  const data = fields.slice(2);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!(Math.abs(v) <= MAX_ABS_VALUE) && !Number.isNaN(v)) metricValue(schema[i]!, v);
    if (!known[i]) data[i] = NaN;
  }
  return { names: schema, data };
}

/** An object of metric name -> value as a row of its own (unknown metrics left out). */
function namedRow(raw: unknown, what: string): Row {
  const obj = object(raw, what);
  const keys = Object.keys(obj);
  if (keys.length > MAX_METRICS) throw badMessage(`${what} has more than ${MAX_METRICS} metrics`);
  const names: string[] = [];
  const data: number[] = [];
  for (const name of keys) {
    const value = metricValue(name, obj[name]);
    if (value === undefined || !isKnownMetric(name)) continue;
    names.push(name);
    data.push(value);
  }
  return { names, data };
}

function checkTs(ts: number, ctx: ParseContext): void {
  if (ts > ctx.now + MAX_SAMPLE_LEAD_MS) {
    throw new Bad(
      'PROBE_ERR_CLOCK_SKEW',
      `sample.ts is ${Math.round((ts - ctx.now) / 1000)} s ahead of the server clock: sync the node's clock (NTP)`,
    );
  }
  if (ts < ctx.now - MAX_SAMPLE_AGE_MS) {
    throw new Bad('PROBE_ERR_CLOCK_SKEW', `sample.ts is older than the longest history kept: check the node's clock`);
  }
}

function parseSample(msg: Json, ctx: ParseContext): SampleMessage {
  if (ctx.schema === null) throw new Bad('PROBE_ERR_PROTOCOL', 'sample before hello: send hello first');
  const seq = integer(msg, 'seq', 'sample', 0);
  const sent = integer(msg, 'ts', 'sample', 0);
  const ts = ctx.correctTs ? ctx.correctTs(seq, sent, ctx.now) : sent;
  checkTs(ts, ctx);
  const row = parseRow(msg.values, ctx.schema);
  // Metrics outside hello's schema (custom metrics that appeared later) travel by name in `extra`.
  if (msg.extra === undefined) return { type: 'sample', seq, ts, row };
  const extra = namedRow(msg.extra, 'sample.extra');
  return {
    type: 'sample',
    seq,
    ts,
    row: { names: [...row.names, ...extra.names], data: [...Array.from(row.data), ...Array.from(extra.data)] },
  };
}

/** A compact frame (compact.ts): decoded against the connection's previous one, then checked like any sample. */
function parseCompactSample(text: string, ctx: ParseContext): SampleMessage {
  if (ctx.schema === null || !ctx.compact)
    throw new Bad('PROBE_ERR_PROTOCOL', 'a compact frame needs hello first and a server that offered compact frames');
  let fields: DecodedFields;
  try {
    // Decoded into the array of the frame before last: a new array per frame would live until the
    // next frame, a second, long enough to burden the garbage collector at thousands of agents.
    fields = decodeCompact(ctx.compact.prev, text, ctx.schema.length + 2, ctx.compact.spare);
  } catch (err) {
    throw badMessage(`compact frame: ${(err as Error).message}`);
  }
  const [seq, ts] = fields;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) throw badMessage('compact frame: seq must be an integer >= 0');
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < 0) throw badMessage('compact frame: ts must be an integer >= 0');
  const row = decodedRow(fields, ctx.schema);
  ctx.compact.spare = ctx.compact.prev ?? undefined;
  ctx.compact.prev = fields;
  const corrected = ctx.correctTs ? ctx.correctTs(seq, ts, ctx.now) : ts;
  checkTs(corrected, ctx);
  return { type: 'sample', seq, ts: corrected, row };
}

/** A node's host facts as hello carries them (a cluster peer forwards them the same way). */
export function parseHostFacts(value: unknown): ParseResult<HostFacts> {
  try {
    return { ok: true, value: parseHost(value) };
  } catch (err) {
    if (err instanceof Bad) return { ok: false, code: err.code, message: err.message };
    throw err;
  }
}

/** Parses one text frame from an agent. Never throws. */
export function parseAgentMessage(text: string, ctx: ParseContext): ParseResult<AgentMessage> {
  if (text.startsWith(COMPACT_MARK)) {
    try {
      if (text.length > MAX_AGENT_MESSAGE_BYTES) throw badMessage(`message larger than ${MAX_AGENT_MESSAGE_BYTES} bytes`);
      return { ok: true, value: parseCompactSample(text, ctx) };
    } catch (err) {
      const e = err instanceof Bad ? err : badMessage('compact frame could not be parsed');
      // A skewed clock leaves the decoding state sound; anything else does not.
      return { ok: false, code: e.code, message: e.message, fatal: e.code !== 'PROBE_ERR_CLOCK_SKEW' };
    }
  }
  try {
    if (text.length > MAX_AGENT_MESSAGE_BYTES) throw badMessage(`message larger than ${MAX_AGENT_MESSAGE_BYTES} bytes`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw badMessage('message is not valid JSON');
    }
    const msg = object(json, 'message');
    switch (msg.type) {
      case 'hello':
        return { ok: true, value: parseHello(msg) };
      case 'sample':
        return { ok: true, value: parseSample(msg, ctx) };
      default:
        throw new Bad('PROBE_ERR_UNKNOWN_TYPE', `unknown message type ${JSON.stringify(msg.type)}: expected "hello" or "sample"`);
    }
  } catch (err) {
    if (err instanceof Bad) return { ok: false, code: err.code, message: err.message };
    // JSON.parse of deeply nested input can overflow the stack; that is bad input too.
    return { ok: false, code: 'PROBE_ERR_BAD_MESSAGE', message: 'message could not be parsed' };
  }
}

/** Parses a request a page sends on /ws/live (null for a binary frame): only `{"type":"watch","id":<id or null>}`. Never throws. */
export function parseLiveRequest(text: string | null): ParseResult<LiveWatch> {
  let request: unknown = null;
  try {
    if (text !== null) request = JSON.parse(text);
  } catch {
    request = null;
  }
  const { type, id } = typeof request === 'object' && request !== null ? (request as Record<string, unknown>) : {};
  if (type === 'watch' && (id === null || (typeof id === 'number' && Number.isSafeInteger(id) && id > 0)))
    return { ok: true, value: { type: 'watch', id } };
  return {
    ok: false,
    code: 'PROBE_ERR_BAD_MESSAGE',
    message: 'send {"type":"watch","id":<node id>} for one node\'s every metric, or {"type":"watch","id":null} for none',
  };
}
