/**
 * @module Whether this browser draws flag emoji (a flag is one glyph; without a flag font the two
 * regional indicators are drawn apart, as on Windows). Measuring takes ~10 ms of canvas text
 * layout, so it runs once the page is idle, after the first render (which shows letter badges),
 * and the answer is remembered for the next visit.
 */
import { signal } from '@preact/signals';
import { flagEmoji } from '../lib/format';

const KEY = 'probe.flags';

function remembered(): boolean | null {
  try {
    const value = localStorage.getItem(KEY);
    return value === null ? null : value === '1';
  } catch {
    return null;
  }
}

export const emojiFlags = signal<boolean>(remembered() ?? false);

function measure(): void {
  const ctx = document.createElement('canvas').getContext('2d');
  if (!ctx) return;
  ctx.font = '32px sans-serif';
  const flag = flagEmoji('JP');
  emojiFlags.value = ctx.measureText(flag).width < 1.5 * ctx.measureText(flag.slice(0, 2)).width;
  try {
    localStorage.setItem(KEY, emojiFlags.value ? '1' : '0');
  } catch {
    // Private mode: measure again next time.
  }
}

/** Measures once, when the browser is idle, unless a previous visit already did. */
export function detectFlags(): void {
  if (remembered() !== null) return;
  const idle = (window as { requestIdleCallback?: (fn: () => void, opts?: { timeout: number }) => void }).requestIdleCallback;
  if (idle) idle(measure, { timeout: 2000 });
  else setTimeout(measure, 200);
}
