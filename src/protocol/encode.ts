/**
 * @module The compact wire form of a sample: values as an array aligned with the schema sent
 * in hello, `null` where a metric is absent (about half the bytes of the object form); metrics
 * outside the schema (custom metrics that appeared since) by name in `extra`.
 */
import type { MetricValues } from './metrics';

const schemaSets = new WeakMap<readonly string[], Set<string>>();

/** The values aligned with `schema` (null where absent), and those outside it by name. */
export function sampleFields(
  values: MetricValues,
  schema: readonly string[],
): { array: (number | null)[]; extra: MetricValues | undefined } {
  const array = schema.map((name) => values[name] ?? null);
  let inSchema = schemaSets.get(schema);
  if (!inSchema) schemaSets.set(schema, (inSchema = new Set(schema)));
  let extra: MetricValues | undefined;
  for (const name in values) if (!inSchema.has(name)) (extra ??= {})[name] = values[name]!;
  return { array, extra };
}

/** The JSON frame of fields from sampleFields. */
export function encodeFields(seq: number, ts: number, array: (number | null)[], extra: MetricValues | undefined): string {
  return JSON.stringify(extra ? { type: 'sample', seq, ts, values: array, extra } : { type: 'sample', seq, ts, values: array });
}

export function encodeSample(seq: number, ts: number, values: MetricValues, schema: readonly string[]): string {
  const { array, extra } = sampleFields(values, schema);
  return encodeFields(seq, ts, array, extra);
}
