/**
 * @module Pre-encoded sample frames for the simulated agents (bench/agents.ts): a few dozen
 * synthetic streams, some minutes of each, encoded once as compact frames, so a sample costs
 * copying its bytes and writing seq and ts into a reused buffer instead of drawing 39 numbers
 * and formatting them. The load generator shares the cores with the server it measures.
 */
import { encodeCompact } from '../src/protocol/compact';
import type { Fields } from '../src/protocol/compact';
import { encodeSample } from '../src/protocol/encode';
import type { MetricValues } from '../src/protocol/metrics';
import { metricStream } from './synthetic';

const TILDE = 0x7e;
const COMMA = 0x2c;
const D = 0x64;
const MINUS = 0x2d;
const ZERO = 0x30;

export class FrameBook {
  /** The metric names, in the order of every frame's values (hello's schema). */
  readonly schema: string[];
  private readonly width: number;
  /** Every step's values: (stream * steps + step) * width + column. */
  private readonly values: Float64Array;
  /** Every step's values as compact fields relative to the stream's step before (the last step before the first). */
  private readonly bytes: Buffer;
  /** Where each step's fields start in `bytes`; the next entry is where they end. */
  private readonly offsets: Int32Array;
  /** Where frames are put together; handed out until the next call (ws copies what it masks). */
  private readonly out = Buffer.alloc(64 * 1024);

  /**
   * `streams` random walks of `steps` samples each (a stream starts again after its last step:
   * counters then go back once, like after a reboot).
   */
  constructor(
    readonly streams: number,
    readonly steps: number,
  ) {
    this.schema = Object.keys(metricStream(1)());
    const width = (this.width = this.schema.length);
    this.values = new Float64Array(streams * steps * width);
    for (let s = 0; s < streams; s++) {
      const next = metricStream(s + 1);
      for (let step = 0; step < steps; step++) {
        const sample = next();
        for (let c = 0; c < width; c++) this.values[(s * steps + step) * width + c] = sample[this.schema[c]!] ?? NaN;
      }
    }
    const parts: Buffer[] = [];
    this.offsets = new Int32Array(streams * steps + 1);
    let at = 0;
    for (let s = 0; s < streams; s++) {
      for (let step = 0; step < steps; step++) {
        // seq and ts equal in both: their fields come out empty, "~,," before the values.
        const text = encodeCompact([0, 0, ...this.fields(s, (step + steps - 1) % steps)], [0, 0, ...this.fields(s, step)]).slice(3);
        const part = Buffer.from(text, 'latin1');
        parts.push(part);
        this.offsets[s * steps + step] = at;
        at += part.length;
      }
    }
    this.offsets[streams * steps] = at;
    this.bytes = Buffer.concat(parts);
  }

  private fields(stream: number, step: number): Fields {
    const start = (stream * this.steps + step) * this.width;
    return Array.from(this.values.subarray(start, start + this.width), (v) => (Number.isNaN(v) ? null : v));
  }

  /**
   * The compact frame of `step` following the frame of `step - 1` on the same connection, whose
   * seq was one less and ts `tsDelta` ms earlier. Valid until the next call.
   */
  relative(stream: number, step: number, tsDelta: number): Buffer {
    const { out } = this;
    out[0] = TILDE;
    out[1] = D;
    out[2] = ZERO + 1;
    out[3] = COMMA;
    out[4] = D;
    let at = writeInteger(out, 5, tsDelta);
    out[at++] = COMMA;
    const index = stream * this.steps + step;
    at += this.bytes.copy(out, at, this.offsets[index]!, this.offsets[index + 1]!);
    return out.subarray(0, at);
  }

  /** The first compact frame on a connection (every field whole). */
  absolute(stream: number, step: number, seq: number, ts: number): string {
    return encodeCompact(null, [seq, ts, ...this.fields(stream, step)]);
  }

  /** The sample as a JSON frame (for agents told not to use compact frames). */
  json(stream: number, step: number, seq: number, ts: number): string {
    const values: MetricValues = {};
    this.fields(stream, step).forEach((v, c) => v !== null && (values[this.schema[c]!] = v));
    return encodeSample(seq, ts, values, this.schema);
  }
}

/** Writes the integer `n` in decimal at `at`; returns where it ends. */
function writeInteger(out: Buffer, at: number, n: number): number {
  if (n < 0) {
    out[at++] = MINUS;
    n = -n;
  }
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  for (let i = digits - 1; i >= 0; i--) {
    out[at + i] = ZERO + (n % 10);
    n = Math.floor(n / 10);
  }
  return at + digits;
}
