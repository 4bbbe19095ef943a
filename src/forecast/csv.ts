/**
 * @module A series from CSV text, one `unixMs,value` point a line (any spacing, or tab/semicolon
 * separated); blank lines and one header line are skipped. A bad line is an error naming it.
 */
import type { ErrorCode } from '../util/errors';
import { ProbeError } from '../util/errors';
import type { SeriesPoint } from './hours';

const LINE = /^\s*([^,;\s]+)\s*[,;\s]\s*([^,;\s]+)\s*[,;]?\s*$/;
/** Before 1973 in ms, or a 10-digit number: Unix seconds given where ms were asked for. */
const SECONDS_BELOW = 1e11;

export function parseSeriesCsv(text: string, source: string, code: ErrorCode = 'PROBE_ERR_BAD_REQUEST'): SeriesPoint[] {
  const points: SeriesPoint[] = [];
  let seenContent = false;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const where = `${source} line ${i + 1}`;
    const m = LINE.exec(line);
    const ts = m ? Number(m[1]) : NaN;
    const value = m ? Number(m[2]) : NaN;
    const first = !seenContent;
    seenContent = true;
    if (m && Number.isFinite(ts) && Number.isFinite(value)) {
      if (Math.abs(ts) < SECONDS_BELOW)
        throw new ProbeError(code, `${where}: ${m[1]} looks like Unix seconds; give Unix milliseconds (${m[1]}000)`);
      points.push({ ts, value });
      continue;
    }
    // A first line that is not numbers is a header ("ts,value").
    if (first && !/^\s*[-+.\d]/.test(line)) continue;
    throw new ProbeError(
      code,
      `${where}: expected "unixMs,value", got ${JSON.stringify(line.length > 80 ? `${line.slice(0, 80)}…` : line)}`,
    );
  }
  if (points.length === 0) throw new ProbeError(code, `${source}: no points (expected lines "unixMs,value")`);
  return points;
}
