/**
 * @module Sums up a Chromium trace of the page for bench/page-profile.ts: the renderer main thread's
 * top-level tasks (script, layout, style, paint) and, from V8's sampling profiler, self time per function.
 */
import { type ProfileNode, type TraceEvent, pageMains } from './trace';

const TOTALS = ['EvaluateScript', 'FunctionCall', 'TimerFire', 'RunMicrotasks', 'Layout', 'UpdateLayoutTree', 'Paint', 'ParseHTML'];

function mainThread(events: TraceEvent[]): string {
  const mains = pageMains(events);
  const busy = new Map<string, number>();
  for (const e of events) {
    const thread = `${e.pid}:${e.tid}`;
    if (e.ph === 'X' && mains.has(thread)) busy.set(thread, (busy.get(thread) ?? 0) + (e.dur ?? 0));
  }
  return [...busy].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
}

function label(e: TraceEvent): string {
  const d = e.args?.data;
  return [e.name, d?.url?.replace(/^https?:\/\/[^/]+/, ''), d?.functionName].filter(Boolean).join(' ');
}

/** Self milliseconds per function from the trace's ProfileChunk events (all profiles together). */
function selfTimes(events: TraceEvent[]): [string, number][] {
  const nodes = new Map<string, ProfileNode>();
  const self = new Map<string, number>();
  for (const e of events) {
    if (e.name !== 'ProfileChunk') continue;
    const profile = e.args?.data?.cpuProfile;
    for (const n of profile?.nodes ?? []) nodes.set(`${e.id}:${n.id}`, n);
    const deltas = e.args?.data?.timeDeltas ?? [];
    (profile?.samples ?? []).forEach((sample, i) => {
      const n = nodes.get(`${e.id}:${sample}`);
      if (!n) return;
      const f = n.callFrame;
      const key = `${f.functionName || '(anonymous)'} ${(f.url ?? '').replace(/^https?:\/\/[^/]+/, '')}:${f.lineNumber}:${f.columnNumber}`;
      // A sample's time is the gap to the next one.
      self.set(key, (self.get(key) ?? 0) + (deltas[i + 1] ?? 0) / 1000);
    });
  }
  return [...self].sort((a, b) => b[1] - a[1]);
}

export function summarize(trace: { traceEvents: TraceEvent[] }): string {
  const events = trace.traceEvents;
  const main = mainThread(events);
  const ours = events.filter((e) => `${e.pid}:${e.tid}` === main && e.ph === 'X').sort((a, b) => a.ts - b.ts);
  const start = ours[0]?.ts ?? 0;
  const lines: string[] = [];
  const totals = new Map<string, number>();
  let end = -Infinity;
  for (const e of ours) {
    if (TOTALS.includes(e.name)) totals.set(e.name, (totals.get(e.name) ?? 0) + (e.dur ?? 0) / 1000);
    if (e.ts < end) continue;
    end = e.ts + (e.dur ?? 0);
    if ((e.dur ?? 0) >= 2000)
      lines.push(`  +${((e.ts - start) / 1000).toFixed(0).padStart(5)} ms ${((e.dur ?? 0) / 1000).toFixed(1).padStart(6)} ms  ${label(e)}`);
  }
  const nested = [...totals].map(([name, ms]) => `${name} ${ms.toFixed(1)}`).join(', ');
  const top = selfTimes(events)
    .slice(0, 25)
    .map(([fn, ms]) => `  ${ms.toFixed(1).padStart(6)} ms  ${fn}`);
  return [`top-level tasks over 2 ms:`, ...lines, `event totals (nested included, ms): ${nested}`, `self time (sampled):`, ...top].join(
    '\n',
  );
}
