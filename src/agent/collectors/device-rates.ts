/**
 * @module Per-second rates of per-device counters (disks, interfaces) summed over the devices that
 * count, with each device's state kept from one reading to the next: a reading costs no Map, object
 * or metric name per device. The same rules as summedRates in collector.ts.
 */
import type { MetricValues } from '../../protocol/metrics';

export interface Device {
  readonly name: string;
  /** Whether it counts in the sums (include() of its name, asked once). */
  readonly included: boolean;
  /** This reading's counters, in the order of the metrics; fill them in after device(). */
  cur: Float64Array;
  prev: Float64Array;
  /** The reading it was last seen in. */
  seen: number;
  /** Whether it was in the previous reading, so `prev` holds that reading's counters. */
  continued: boolean;
  /** `<metric>.<name>` for each metric, when the device's own rates are reported. */
  readonly perDevice: string[] | null;
}

export class DeviceRates {
  private readonly devices = new Map<string, Device>();
  private reading = 0;
  private prevMono = 0;
  /** Devices seen in the previous reading (the previous reading was "empty" without any). */
  private prevCount = 0;
  private count = 0;
  private readonly sums: Float64Array;

  /**
   * `metrics` name the sums, one per counter; `include` says which devices count; `label` says
   * whether a device also gets its own `<metric>.<device>` values (null: never).
   */
  constructor(
    private readonly metrics: readonly string[],
    private readonly include: (device: string) => boolean,
    private readonly label: ((device: string) => boolean) | null = null,
  ) {
    this.sums = new Float64Array(metrics.length);
  }

  /** Starts a reading. */
  begin(): void {
    this.reading++;
    this.count = 0;
  }

  /** The state of the device named `name` in this reading, for its counters to be filled in. */
  device(name: string): Device {
    let d = this.devices.get(name);
    if (!d) {
      const perDevice = this.label?.(name) ? this.metrics.map((m) => `${m}.${name}`) : null;
      d = {
        name,
        included: this.include(name),
        cur: new Float64Array(this.metrics.length),
        prev: new Float64Array(this.metrics.length),
        seen: 0,
        continued: false,
        perDevice,
      };
      this.devices.set(name, d);
    }
    if (d.seen === this.reading) return d; // the same name twice: the last line counts
    d.continued = d.seen === this.reading - 1 && d.seen > 0;
    // Swapping keeps the previous reading's counters in prev without copying them.
    const counters = d.prev;
    d.prev = d.cur;
    d.cur = counters;
    return d;
  }

  /** Marks a device's counters as filled in for this reading (a line that did not parse is not). */
  done(d: Device): void {
    d.seen = this.reading;
    this.count++;
  }

  /**
   * Adds the summed rates (rounded) to `out`, and each labelled device's own; nothing on the first
   * reading, or after a reading without devices, when no rate can be known.
   */
  finish(out: MetricValues, monoMs: number): void {
    const dt = monoMs - this.prevMono;
    const n = this.metrics.length;
    this.sums.fill(0);
    let known = false;
    for (const d of this.devices.values()) {
      if (d.seen !== this.reading) {
        if (d.seen < this.reading - 1) this.devices.delete(d.name);
        continue;
      }
      // Rates only for a device also in the previous reading, with every counter going forward.
      if (!d.included || !d.continued || dt <= 0) continue;
      let forward = true;
      for (let i = 0; i < n && forward; i++) forward = d.cur[i]! >= d.prev[i]!;
      if (!forward) continue;
      for (let i = 0; i < n; i++) {
        const rate = ((d.cur[i]! - d.prev[i]!) * 1000) / dt;
        this.sums[i]! += rate;
        if (d.perDevice) out[d.perDevice[i]!] = Math.round(rate);
      }
      known = true;
    }
    const first = this.prevCount === 0;
    this.prevCount = this.count;
    this.prevMono = monoMs;
    if (!known && first) return;
    for (let i = 0; i < n; i++) out[this.metrics[i]!] = Math.round(this.sums[i]!);
  }
}
