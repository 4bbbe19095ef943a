/**
 * The GPU collector against a stand-in `nvidia-smi` (a shell script printing what the real one
 * prints in loop mode): one long-running child, per-GPU and fleet figures, absent without it.
 */
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { findOnPath, gpuCollector, parseGpuLine } from '../../../src/agent/collectors/gpu';
import type { MetricValues } from '../../../src/protocol/metrics';
import { tempDir, waitFor } from '../../helpers';

test('nvidia-smi CSV lines: MiB to bytes, [N/A] is no reading', () => {
  assert.deepEqual(parseGpuLine('0, 37, 1024, 16384'), {
    index: '0',
    utilPercent: 37,
    memUsedBytes: 1024 * 2 ** 20,
    memTotalBytes: 16384 * 2 ** 20,
  });
  assert.equal(parseGpuLine('1, [N/A], 10, 100'), null);
  assert.equal(parseGpuLine('garbage'), null);
});

test('GPU metrics from a running nvidia-smi loop; none without nvidia-smi', async (t) => {
  const dir = tempDir(t, 'probe-gpu-');
  const fake = path.join(dir, 'nvidia-smi');
  const args = path.join(dir, 'args');
  // Prints two GPUs every 100 ms, as `nvidia-smi --query-gpu=… -lms=…` does, and records its arguments.
  writeFileSync(
    fake,
    `#!/bin/sh\necho "$@" > ${args}\nwhile true; do echo "0, 30, 2048, 8192"; echo "1, 50, 1024, 8192"; sleep 0.1; done\n`,
  );
  chmodSync(fake, 0o755);
  assert.equal(findOnPath('nvidia-smi', `/nonexistent:${dir}`), fake);
  const gpu = gpuCollector(1000, fake);
  t.after(() => gpu.stop());
  const out: MetricValues = {};
  await waitFor(
    'readings',
    () => {
      gpu.collect(out, 0);
      return out.gpuUtil !== undefined;
    },
    5000,
  );
  assert.deepEqual(out, {
    'gpuUtil.0': 30,
    'gpuMemUsedBytes.0': 2048 * 2 ** 20,
    'gpuUtil.1': 50,
    'gpuMemUsedBytes.1': 1024 * 2 ** 20,
    gpuUtil: 40,
    gpuMemUsedBytes: 3072 * 2 ** 20,
    gpuMemTotalBytes: 16384 * 2 ** 20,
  });
  assert.match(
    readFileSync(args, 'utf8'),
    /--query-gpu=index,utilization\.gpu,memory\.used,memory\.total --format=csv,noheader,nounits -lms=1000/,
  );

  const none: MetricValues = {};
  const absent = gpuCollector(1000, null);
  absent.collect(none, 0);
  absent.stop();
  assert.deepEqual(none, {});
});
