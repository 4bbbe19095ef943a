/**
 * /download/* against clients that stop reading: each such download is cut after a window with
 * too little progress, and its slot goes to the next client.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import type { Executable } from '../../../src/server/http/download-shelf';
import { downloadRoutes } from '../../../src/server/http/downloads';
import { tempDir, waitFor } from '../../helpers';

/** More than loopback's socket buffers hold on both ends (a few MB each), so a client that does not read stalls the send. */
const SIZE = 48 * 1024 * 1024;

/** A linux-x64 "executable" of SIZE bytes in a temp dir, as the download shelf lists one. */
function bigExecutable(t: { after(fn: () => void): void }): Executable {
  const file = path.join(tempDir(t), 'probe');
  const bytes = Buffer.alloc(SIZE, 7);
  writeFileSync(file, bytes);
  return {
    name: 'probe',
    platform: 'linux-x64',
    path: file,
    size: SIZE,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    gz: null,
    xz: null,
  };
}

/**
 * Requests the server has begun to handle. A later request is parsed in a later turn of the event
 * loop than their slots are taken in (the shelf answers at once), so waiting for the count is enough.
 */
function countRequests(server: Server): () => number {
  let n = 0;
  server.on('request', () => n++);
  return () => n;
}

test('downloads whose client stops reading are cut after a window under the minimum rate, and their slots freed; a client that reads is served whole', async (t) => {
  const exe = bigExecutable(t);
  const routes = downloadRoutes({ maxDownloads: 2, stallWindowMs: 1000, minBytesPerSec: 1024 * 1024, perAddress: 2 }, async () => [exe]);
  const server = createServer((req, res) => void routes(req, res, req.url ?? '/', 'http://127.0.0.1'));
  const seen = countRequests(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  });
  const { port } = server.address() as AddressInfo;

  // Two clients that ask and then never read a byte.
  const stuck = [0, 1].map(() => {
    const socket = net.connect(port, '127.0.0.1');
    socket.pause();
    let received = 0;
    socket.on('data', (d) => (received += d.length));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.write('GET /download/probe HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    return { socket, closed, received: () => received };
  });
  t.after(() => stuck.forEach((s) => s.socket.destroy()));
  await waitFor('both stalled requests taken', () => seen() >= 2, 5000, 5);
  const busy = await fetch(`http://127.0.0.1:${port}/download/probe`);
  assert.equal(busy.status, 503, 'both slots are taken');
  assert.equal(((await busy.json()) as { code: string }).code, 'PROBE_ERR_BUSY');

  // A stalled download is cut after the first window in which less than the minimum rate went out:
  // once the socket buffers (several MB on loopback) are full, which takes longer on a loaded machine.
  // Without the cut, the slots would stay taken and this would time out.
  const whole = await waitFor(
    'a slot free again',
    async () => {
      const res = await fetch(`http://127.0.0.1:${port}/download/probe`);
      return res.status === 200 ? Buffer.from(await res.arrayBuffer()) : null;
    },
    30_000,
    50,
  );
  assert.equal(whole.length, SIZE, 'a client that reads gets the whole file');

  // What the stalled clients had in their buffers, then the end of a cut connection.
  for (const s of stuck) s.socket.resume();
  await Promise.all(stuck.map((s) => s.closed));
  for (const s of stuck) assert.ok(s.received() < SIZE, `a stalled client got ${s.received()} of ${SIZE} bytes, then was cut`);
});

test('one client address gets at most perAddress downloads at once; others still get theirs', async (t) => {
  const exe = bigExecutable(t);
  const routes = downloadRoutes({ maxDownloads: 8, stallWindowMs: 60_000, minBytesPerSec: 1, perAddress: 2 }, async () => [exe]);
  // Client addresses as a trusted proxy would name them (loopback itself is exempt).
  const server = createServer((req, res) => void routes(req, res, req.url ?? '/', 'http://127.0.0.1', String(req.headers['x-from'])));
  const seen = countRequests(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  });
  const { port } = server.address() as AddressInfo;
  const held = ['203.0.113.7', '203.0.113.7', '127.0.0.1', '127.0.0.1'].map((from) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.pause();
    socket.on('error', () => undefined);
    socket.write(`GET /download/probe HTTP/1.1\r\nHost: 127.0.0.1\r\nX-From: ${from}\r\n\r\n`);
    return socket;
  });
  t.after(() => held.forEach((s) => s.destroy()));
  await waitFor('the held requests taken', () => seen() >= held.length, 5000, 5);
  const third = await fetch(`http://127.0.0.1:${port}/download/probe`, { headers: { 'X-From': '203.0.113.7' } });
  assert.equal(third.status, 503);
  assert.equal(third.headers.get('retry-after'), '10');
  assert.match(((await third.json()) as { message: string }).message, /2 downloads from this address/);
  const other = await fetch(`http://127.0.0.1:${port}/download/probe`, { headers: { 'X-From': '198.51.100.1' } });
  assert.equal(other.status, 200);
  assert.equal((await other.arrayBuffer()).byteLength, SIZE);
  const local = await fetch(`http://127.0.0.1:${port}/download/probe`, { headers: { 'X-From': '127.0.0.1' } });
  assert.equal(local.status, 200, 'loopback (a proxy on this machine) is exempt');
  assert.equal((await local.arrayBuffer()).byteLength, SIZE);
});
