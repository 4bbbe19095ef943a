/**
 * @module Reads a Chromium trace (devtools.timeline, v8.execute) for bench/page.ts: how long the page's
 * main thread ran JavaScript, counted as DevTools' "Scripting" does, microtasks included.
 */

export interface ProfileNode {
  id: number;
  parent?: number;
  callFrame: { functionName: string; url?: string; lineNumber: number; columnNumber: number };
}

export interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  /** The thread's CPU time in the event (µs), where the trace has it. */
  tdur?: number;
  pid: number;
  tid: number;
  id?: string;
  args?: {
    name?: string;
    data?: {
      url?: string;
      functionName?: string;
      cpuProfile?: { nodes?: ProfileNode[]; samples?: number[] };
      timeDeltas?: number[];
    };
  };
}

export const TRACE_CATEGORIES = ['devtools.timeline', 'v8.execute'];

/**
 * Script (classic scripts' EvaluateScript, ES modules' v8.evaluateModule: the page's bundle is modules),
 * timers, event handlers, animation-frame and idle callbacks, and microtasks (where Preact renders and
 * promise callbacks run), with the garbage collection inside them.
 */
const SCRIPT_EVENTS = new Set([
  'EvaluateScript',
  'v8.evaluateModule',
  'v8.compile',
  'FunctionCall',
  'TimerFire',
  'FireAnimationFrame',
  'FireIdleCallback',
  'RunMicrotasks',
  'MinorGC',
  'MajorGC',
]);

/** The renderer main threads, as `pid:tid`. */
export function rendererMains(events: TraceEvent[]): Set<string> {
  return new Set(events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
}

/**
 * The renderer main threads that loaded a page over http(s): not Chromium's own pages (chrome://),
 * which headless Chromium may load in another renderer while the page's trace runs.
 */
export function pageMains(events: TraceEvent[]): Set<string> {
  const mains = rendererMains(events);
  const pages = new Set(events.filter((e) => /^https?:/.test(e.args?.data?.url ?? '')).map((e) => `${e.pid}:${e.tid}`));
  return new Set([...mains].filter((thread) => pages.has(thread)));
}

/**
 * Milliseconds of JavaScript on the busiest page renderer's main thread (the page's), overlaps counted
 * once: `ms` as the wall clock saw it, `cpuMs` the thread's CPU time in the outermost of those events
 * (what is left when the thread waited for a core: on a shared 2-core machine, often half of `ms`).
 */
export function scripting(trace: { traceEvents: TraceEvent[] }): { ms: number; cpuMs: number } {
  const events = trace.traceEvents;
  const mains = pageMains(events);
  const byThread = new Map<string, [number, number, number][]>();
  for (const e of events) {
    const thread = `${e.pid}:${e.tid}`;
    if (e.ph !== 'X' || !SCRIPT_EVENTS.has(e.name) || !mains.has(thread)) continue;
    const spans = byThread.get(thread) ?? [];
    spans.push([e.ts, e.ts + (e.dur ?? 0), e.tdur ?? 0]);
    byThread.set(thread, spans);
  }
  let most = { ms: 0, cpuMs: 0 };
  for (const spans of byThread.values()) {
    spans.sort((a, b) => a[0] - b[0]);
    let total = 0;
    let cpu = 0;
    let end = -Infinity;
    for (const [from, to, threadTime] of spans) {
      if (to <= end) continue;
      if (from >= end) cpu += threadTime;
      total += to - Math.max(from, end);
      end = to;
    }
    if (total / 1000 > most.ms) most = { ms: total / 1000, cpuMs: cpu / 1000 };
  }
  return most;
}

/** Milliseconds of JavaScript on the page's main thread, as the wall clock saw it (see scripting()). */
export function scriptingMs(trace: { traceEvents: TraceEvent[] }): number {
  return scripting(trace).ms;
}
