/**
 * @module Temperatures from the kernel's hardware monitors (/sys/class/hwmon/hwmon*\/temp*_input,
 * millidegrees): every sensor as `temp.<chip>.<label>` and the hottest as `tempCelsius`. Sensors are
 * found once at start (and again every 10 minutes) and read through kept-open descriptors.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DEVICE_LABEL } from '../../protocol/metrics';
import type { Collector } from './collector';
import { ProcFile } from './proc-file';

interface Sensor {
  name: string;
  file: ProcFile;
}

const RESCAN_MS = 10 * 60_000;

const clean = (text: string) =>
  text
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '_')
    .replace(/^_+|_+$/g, '');

/** The temperature inputs under `hwmonDir`, named `<chip>.<label>` (or `<chip>.temp<N>` without a label). */
export function findSensors(hwmonDir: string): { name: string; path: string }[] {
  const found: { name: string; path: string }[] = [];
  const seen = new Set<string>();
  let chips: string[];
  try {
    chips = readdirSync(hwmonDir).sort();
  } catch {
    return [];
  }
  for (const chip of chips) {
    const dir = path.join(hwmonDir, chip);
    let files: string[];
    try {
      files = readdirSync(dir);
    } catch {
      continue;
    }
    const read = (file: string) => {
      try {
        return readFileSync(path.join(dir, file), 'utf8');
      } catch {
        return '';
      }
    };
    const chipName = clean(read('name')) || clean(chip);
    for (const input of files
      .filter((f) => /^temp\d+_input$/.test(f))
      .sort((a, b) => parseInt(a.slice(4), 10) - parseInt(b.slice(4), 10))) {
      const n = input.slice(4, -'_input'.length);
      let name = `${chipName}.${clean(read(`temp${n}_label`)) || `temp${n}`}`;
      // Two chips of the same kind (two NVMe drives): keep both.
      for (let i = 2; seen.has(name); i++) name = `${chipName}${i}.${name.slice(chipName.length + 1)}`;
      if (!DEVICE_LABEL.test(name)) continue;
      seen.add(name);
      found.push({ name, path: path.join(dir, input) });
    }
  }
  return found;
}

export function temperatureCollector(hwmonDir = '/sys/class/hwmon'): Collector {
  let sensors: Sensor[] = [];
  let scannedAt = -Infinity;
  return {
    name: 'temperature',
    collect(out, monoMs) {
      if (monoMs - scannedAt >= RESCAN_MS) {
        sensors = findSensors(hwmonDir).map((s) => ({ name: s.name, file: new ProcFile(s.path) }));
        scannedAt = monoMs;
      }
      let hottest = -Infinity;
      for (const sensor of sensors) {
        let milli: number;
        try {
          milli = Number(sensor.file.read().trim());
        } catch {
          continue; // A sensor that cannot be read now (device asleep, removed) is absent, not zero.
        }
        // Drivers report -273 °C or absurd values for unconnected inputs.
        if (!Number.isFinite(milli) || milli <= -50_000 || milli >= 200_000) continue;
        const celsius = Math.round(milli / 100) / 10;
        out[`temp.${sensor.name}`] = celsius;
        hottest = Math.max(hottest, celsius);
      }
      if (hottest > -Infinity) out.tempCelsius = hottest;
    },
  };
}
