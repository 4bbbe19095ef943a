/**
 * A server whose log cannot be written keeps serving: stderr on a full disk (/dev/full answers
 * every write with ENOSPC, as a log file on a full disk does) and stderr a pipe the reader closed
 * (EPIPE). Both once ended the process at its first log line.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import WebSocket from 'ws';
import { BINARY, getJson, tempDir, waitFor } from '../helpers';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts the server with a local agent (which logs as it connects) and stderr as given. */
async function serverWith(t: { after(fn: () => void): void }, stderr: number | 'pipe') {
  const dir = tempDir(t, 'probe-log-');
  const port = await freePort();
  const proc = spawn(BINARY, ['server', '--local-agent', '--data', path.join(dir, 'data'), '--listen', `127.0.0.1:${port}`], {
    env: { ...process.env, PROBE_LOG_LEVEL: 'debug' },
    stdio: ['ignore', 'ignore', stderr],
  });
  t.after(() => proc.kill('SIGKILL'));
  const base = `http://127.0.0.1:${port}`;
  return { proc, base };
}

/** The server answers and its local agent's values reach the summary: it logged its way through start and connect. */
async function stillServing(proc: ReturnType<typeof spawn>, base: string): Promise<void> {
  const summary = await waitFor(
    'the local agent online',
    async () => {
      const s = await getJson<{ online: number }>(`${base}/api/summary`).catch(() => null);
      return s && s.online >= 1 ? s : null;
    },
    20_000,
  );
  assert.ok(summary.online >= 1);
  assert.equal(proc.exitCode, null, 'the server is still running');
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
}

test('stderr on a full disk (ENOSPC on every write): the server starts, logs nothing, keeps serving', async (t) => {
  const full = openSync('/dev/full', 'w');
  t.after(() => closeSync(full));
  const { proc, base } = await serverWith(t, full);
  await stillServing(proc, base);
});

test('stderr a pipe whose reader went away (EPIPE): the server keeps serving', async (t) => {
  const { proc, base } = await serverWith(t, 'pipe');
  await new Promise((resolve) => proc.stderr!.once('data', resolve));
  proc.stderr!.destroy();
  // Refused keys are logged: lines written after the reader is gone.
  for (let i = 0; i < 3; i++) {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/ws/agent`, {
      headers: { Authorization: 'Bearer pk_not_a_key_of_this_server_000000000000' },
    });
    await new Promise((resolve) => ws.once('close', resolve).once('error', resolve));
  }
  await stillServing(proc, base);
});
