/**
 * @module Milliseconds on a monotonic clock (an arbitrary origin: only differences mean anything),
 * as `performance.now()` gives them but without the `performance` global, whose first use makes
 * Node load ten perf_hooks modules: the agent, which only needs differences, does without them.
 */
export function monoMs(): number {
  const [seconds, nanoseconds] = process.hrtime();
  return seconds * 1000 + nanoseconds / 1e6;
}
