/**
 * @module Independent readers for the remote-write tests: Snappy's block format decompressed from
 * its description (format_description.txt), and a WriteRequest read with a generic protobuf
 * walker, so the tests do not check the encoders against themselves.
 */

function uvarint(buf: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  for (;;) {
    const b = buf[at++]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return [value, at];
    scale *= 128;
  }
}

export function snappyDecompress(src: Uint8Array): Buffer {
  const [length, start] = uvarint(src, 0);
  const out = Buffer.alloc(length);
  let o = 0;
  for (let i = start; i < src.length; ) {
    const tag = src[i++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let n = tag >> 2;
      if (n >= 60) {
        const bytes = n - 59;
        n = 0;
        for (let k = 0; k < bytes; k++) n |= src[i++]! << (8 * k);
      }
      n += 1;
      out.set(src.subarray(i, i + n), o);
      i += n;
      o += n;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      len = ((tag >> 2) & 7) + 4;
      offset = ((tag >> 5) << 8) | src[i++]!;
    } else if (kind === 2) {
      len = (tag >> 2) + 1;
      offset = src[i]! | (src[i + 1]! << 8);
      i += 2;
    } else {
      len = (tag >> 2) + 1;
      offset = (src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16) | (src[i + 3]! << 24)) >>> 0;
      i += 4;
    }
    if (offset === 0 || offset > o) throw new Error(`bad copy offset ${offset} at output ${o}`);
    for (let k = 0; k < len; k++, o++) out[o] = out[o - offset]!;
  }
  if (o !== length) throw new Error(`decompressed ${o} bytes, the preamble said ${length}`);
  return out;
}

type Field = { field: number; wire: number; value: number | Buffer };

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  for (let at = 0; at < buf.length; ) {
    const [key, next] = uvarint(buf, at);
    at = next;
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) {
      const [v, n] = uvarint(buf, at);
      out.push({ field, wire, value: v });
      at = n;
    } else if (wire === 1) {
      out.push({ field, wire, value: buf.readDoubleLE(at) });
      at += 8;
    } else if (wire === 2) {
      const [len, n] = uvarint(buf, at);
      out.push({ field, wire, value: buf.subarray(n, n + len) });
      at = n + len;
    } else throw new Error(`wire type ${wire}`);
  }
  return out;
}

export interface DecodedSeries {
  labels: Record<string, string>;
  /** Label names in the order sent. */
  labelOrder: string[];
  samples: { value: number; ts: number }[];
}

export function decodeWriteRequest(buf: Buffer): DecodedSeries[] {
  return fields(buf).map((ts) => {
    const series: DecodedSeries = { labels: {}, labelOrder: [], samples: [] };
    for (const f of fields(ts.value as Buffer)) {
      const parts = fields(f.value as Buffer);
      if (f.field === 1) {
        const name = (parts.find((p) => p.field === 1)!.value as Buffer).toString();
        series.labels[name] = (parts.find((p) => p.field === 2)!.value as Buffer).toString();
        series.labelOrder.push(name);
      } else if (f.field === 2) {
        series.samples.push({
          value: parts.find((p) => p.field === 1)!.value as number,
          ts: parts.find((p) => p.field === 2)!.value as number,
        });
      }
    }
    return series;
  });
}
