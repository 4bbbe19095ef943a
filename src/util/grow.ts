/**
 * @module Typed arrays kept and grown: at least `n` long, doubling, the old contents copied over.
 */
export function grow<T extends Float64Array | Int32Array | Uint8Array>(a: T, n: number, make: (n: number) => T): T {
  if (n <= a.length) return a;
  const bigger = make(Math.max(n, a.length * 2));
  bigger.set(a);
  return bigger;
}
