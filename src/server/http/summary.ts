/**
 * @module GET /api/summary: fleet totals in one small object, for widgets and status badges.
 */
import type { NodeView, Summary } from '../../protocol/messages';

export function summarize(views: readonly NodeView[], now: number): Summary {
  const summary: Summary = {
    nodes: views.length,
    online: 0,
    offline: 0,
    rxBytesPerSec: 0,
    txBytesPerSec: 0,
    monthRxBytes: 0,
    monthTxBytes: 0,
    cpuAvg: null,
    ts: now,
  };
  let cpuSum = 0;
  let cpuCount = 0;
  for (const v of views) {
    summary.monthRxBytes += v.monthRxBytes;
    summary.monthTxBytes += v.monthTxBytes;
    if (!v.online) {
      summary.offline++;
      continue;
    }
    summary.online++;
    summary.rxBytesPerSec += v.values.netRxBytesPerSec ?? 0;
    summary.txBytesPerSec += v.values.netTxBytesPerSec ?? 0;
    if (v.values.cpu !== undefined) {
      cpuSum += v.values.cpu;
      cpuCount++;
    }
  }
  if (cpuCount > 0) summary.cpuAvg = Math.round((cpuSum / cpuCount) * 10) / 10;
  return summary;
}
