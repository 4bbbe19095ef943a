/**
 * The agent's own WebSocket handshake (src/agent/websocket.ts) against ws's server on port 0, and
 * against raw TCP and HTTP servers that answer the upgrade wrongly: every answer gives exactly one
 * of open, refused or failed, and an open socket frames, pings and closes as ws's client would.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { WebSocketServer } from 'ws';
import type WebSocket from 'ws';
import { MAX_RESPONSE_HEAD_BYTES, openWebSocket, parseResponseHead } from '../../src/agent/websocket';
import type { WebSocketOptions } from '../../src/agent/websocket';
import { FIXTURES, waitFor } from '../helpers';

const OPTIONS: WebSocketOptions = { headers: { Authorization: 'Bearer pk_test' }, maxPayload: 1024, handshakeTimeoutMs: 5000 };

/** An open socket comes with the texts it received, collected from its first moment (events.open is where listeners must go). */
type Outcome = { open: WebSocket; texts: string[] } | { refused: number } | { failed: string };

/** Dials `url` and resolves with the one event the handshake gave; a second event fails the test. */
function dial(t: TestContext, url: string, options: WebSocketOptions = OPTIONS): Promise<Outcome> {
  return new Promise((resolve) => {
    let outcome: Outcome | null = null;
    const settle = (o: Outcome) => {
      assert.equal(outcome, null, `one event only, got ${JSON.stringify(o)} after ${JSON.stringify(outcome)}`);
      outcome = o;
      resolve(o);
    };
    openWebSocket(new URL(url), options, {
      open: (ws) => {
        t.after(() => ws.terminate());
        const texts: string[] = [];
        ws.on('message', (data) => texts.push(data.toString()));
        settle({ open: ws, texts });
      },
      refused: (status) => settle({ refused: status }),
      failed: (message) => settle({ failed: message }),
    });
  });
}

async function listen(t: TestContext, server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return (server.address() as net.AddressInfo).port;
}

/** ws's server on an HTTP server of port 0; what the last upgrade request carried. */
async function wsServer(t: TestContext, onSocket: (ws: WebSocket) => void = () => {}) {
  const server = http.createServer();
  const seen: { url?: string; authorization?: string } = {};
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws, req) => {
    seen.url = req.url;
    seen.authorization = req.headers.authorization;
    onSocket(ws);
  });
  t.after(() => {
    for (const ws of wss.clients) ws.terminate();
    wss.close();
  });
  return { port: await listen(t, server), seen };
}

/** A TCP server that answers every connection's request with `reply` (then leaves the socket open). */
async function rawServer(t: TestContext, reply: (request: string, socket: net.Socket) => string | Buffer | null): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let request = '';
    let answered = false;
    socket.on('data', (chunk) => {
      request += chunk.toString('latin1');
      if (answered || !request.includes('\r\n\r\n')) return;
      answered = true;
      const answer = reply(request, socket);
      if (answer !== null) socket.write(answer);
    });
    socket.on('error', () => {});
  });
  t.after(() => {
    for (const s of sockets) s.destroy();
  });
  return listen(t, server);
}

function acceptFor(request: string): string {
  const key = /Sec-WebSocket-Key: (\S+)/.exec(request)![1]!;
  // The client's SHA-1 is checked against node:crypto's.
  return createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
}

test('opens against ws, sends the path, query and Authorization, and text goes both ways', async (t) => {
  const { port, seen } = await wsServer(t, (ws) => {
    ws.on('message', (data) => ws.send(`echo ${data.toString()}`));
  });
  const outcome = await dial(t, `ws://127.0.0.1:${port}/ws/agent?x=1`);
  assert.ok('open' in outcome, JSON.stringify(outcome));
  assert.equal(seen.url, '/ws/agent?x=1');
  assert.equal(seen.authorization, 'Bearer pk_test');
  const ws = outcome.open;
  const reply = new Promise<string>((resolve) => ws.once('message', (data) => resolve(data.toString())));
  // A message past 125 bytes and one past 64 KiB take the longer length forms; the server unmasks them.
  ws.send('x'.repeat(300));
  assert.equal(await reply, `echo ${'x'.repeat(300)}`);
  assert.equal(ws.readyState, ws.OPEN);
});

test("the server's frames are parsed, its pings answered, its close followed, its oversized message refused with 1009", async (t) => {
  const server: WebSocket[] = [];
  const { port } = await wsServer(t, (ws) => server.push(ws));
  const outcome = await dial(t, `ws://127.0.0.1:${port}/`);
  assert.ok('open' in outcome);
  const ws = outcome.open;
  const peer = await waitFor('the server side', () => server[0]);
  const pinged = new Promise<void>((resolve) => ws.once('ping', () => resolve()));
  const ponged = new Promise<string>((resolve) => peer.once('pong', (data) => resolve(data.toString())));
  peer.ping('are you there');
  await pinged;
  assert.equal(await ponged, 'are you there');
  const big = new Promise<number>((resolve) => peer.once('close', (code) => resolve(code)));
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  const errored = new Promise<string>((resolve) => ws.once('error', (err) => resolve(err.message)));
  peer.send('y'.repeat(OPTIONS.maxPayload + 1));
  assert.match(await errored, /Max payload size exceeded/);
  assert.equal(await big, 1009);
  assert.equal(await closed, 1006);
});

test('a close from the server ends the socket with its code', async (t) => {
  const { port } = await wsServer(t, (ws) => ws.close(4001, 'bye'));
  const outcome = await dial(t, `ws://127.0.0.1:${port}/`);
  assert.ok('open' in outcome);
  const [code, reason] = await new Promise<[number, string]>((resolve) => outcome.open.once('close', (c, r) => resolve([c, r.toString()])));
  assert.deepEqual([code, reason], [4001, 'bye']);
});

test("the client's close waits for the server's close frame, as ws's client does (a close handshake may take 30 s)", async (t) => {
  let closeFrom: Buffer | null = null;
  const port = await rawServer(t, (request, socket) => {
    socket.on('data', (chunk) => {
      // The client's close frame (masked): answer with ours 300 ms later.
      if (closeFrom === null && chunk[0] === 0x88) {
        closeFrom = chunk;
        setTimeout(() => socket.write(Buffer.from([0x88, 2, 0x03, 0xe8])), 300);
      }
    });
    return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(request)}\r\n\r\n`;
  });
  const outcome = await dial(t, `ws://127.0.0.1:${port}/`);
  assert.ok('open' in outcome);
  const closed = new Promise<number>((resolve) => outcome.open.once('close', (code) => resolve(code)));
  outcome.open.close(1000, 'agent stopping');
  // 1000 is the server's own close code; a socket cut before its answer would close with 1006.
  assert.equal(await closed, 1000);
  assert.ok(closeFrom, 'the server got a close frame');
});

test('a frame in the same packet as the 101 is not lost', async (t) => {
  const port = await rawServer(t, (request) =>
    Buffer.concat([
      Buffer.from(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(request)}\r\n\r\n`,
      ),
      Buffer.from([0x81, 5]),
      Buffer.from('hello'),
    ]),
  );
  const outcome = await dial(t, `ws://127.0.0.1:${port}/`);
  assert.ok('open' in outcome);
  assert.deepEqual(await waitFor('the first frame', () => outcome.texts[0]), 'hello');
});

test('an HTTP answer instead of a switch is refused with its status', async (t) => {
  const server = http.createServer((_req, res) => res.writeHead(401).end('no'));
  const port = await listen(t, server);
  assert.deepEqual(await dial(t, `ws://127.0.0.1:${port}/`), { refused: 401 });
});

test('a 101 with a wrong accept, no upgrade, an extension or a subprotocol fails; so does a response that is not HTTP', async (t) => {
  const head = (lines: string) => `HTTP/1.1 101 Switching Protocols\r\n${lines}\r\n\r\n`;
  const cases: [string, (request: string) => string, RegExp][] = [
    ['wrong accept', () => head('Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAA'), /wrong Sec-WebSocket-Accept/],
    ['no upgrade', (r) => head(`Connection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(r)}`), /without Upgrade: websocket/],
    ['no connection', (r) => head(`Upgrade: websocket\r\nSec-WebSocket-Accept: ${acceptFor(r)}`), /without Connection: Upgrade/],
    [
      'an extension',
      (r) =>
        head(
          `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(r)}\r\nSec-WebSocket-Extensions: permessage-deflate`,
        ),
      /extension/,
    ],
    [
      'a subprotocol',
      (r) => head(`Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(r)}\r\nSec-WebSocket-Protocol: x`),
      /subprotocol/,
    ],
    ['not HTTP', () => 'SSH-2.0-OpenSSH_9.2\r\n\r\n', /not|invalid HTTP/],
  ];
  for (const [name, reply, message] of cases) {
    const port = await rawServer(t, reply);
    const outcome = await dial(t, `ws://127.0.0.1:${port}/`);
    assert.ok('failed' in outcome, `${name}: ${JSON.stringify(outcome)}`);
    assert.match(outcome.failed, message, name);
  }
});

test('a response head past 16 KiB, a server that never answers, a closed port and a server that hangs up each fail', async (t) => {
  const flood = await rawServer(t, () => `HTTP/1.1 101 Switching Protocols\r\nX: ${'a'.repeat(MAX_RESPONSE_HEAD_BYTES)}`);
  const outcome = await dial(t, `ws://127.0.0.1:${flood}/`);
  assert.ok('failed' in outcome && /over 16384 bytes/.test(outcome.failed), JSON.stringify(outcome));

  const silent = await rawServer(t, () => null);
  const started = Date.now();
  const timedOut = await dial(t, `ws://127.0.0.1:${silent}/`, { ...OPTIONS, handshakeTimeoutMs: 300 });
  assert.ok('failed' in timedOut && /no WebSocket within 300 ms/.test(timedOut.failed), JSON.stringify(timedOut));
  assert.ok(Date.now() - started >= 290);

  // A port that was free a moment ago: nothing listens there now.
  const spare = net.createServer();
  await new Promise<void>((resolve) => spare.listen(0, '127.0.0.1', resolve));
  const port = (spare.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => spare.close(() => resolve()));
  const refused = await dial(t, `ws://127.0.0.1:${port}/`);
  assert.ok('failed' in refused && /ECONNREFUSED/.test(refused.failed), JSON.stringify(refused));

  const hangUp = net.createServer((socket) => socket.end());
  const hangUpPort = await listen(t, hangUp);
  const hungUp = await dial(t, `ws://127.0.0.1:${hangUpPort}/`);
  assert.ok('failed' in hungUp && /closed the connection during the opening handshake/.test(hungUp.failed), JSON.stringify(hungUp));
});

test('an aborted handshake gives no event and closes its socket', async (t) => {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => sockets.push(socket));
  const port = await listen(t, server);
  const dialing = openWebSocket(new URL(`ws://127.0.0.1:${port}/`), OPTIONS, {
    open: () => assert.fail('open after abort'),
    refused: () => assert.fail('refused after abort'),
    failed: (m) => assert.fail(`failed after abort: ${m}`),
  });
  const socket = await waitFor('the connection', () => sockets[0]);
  dialing.abort();
  await new Promise<void>((resolve) => socket.on('close', () => resolve()).resume());
});

test('wss:// opens with the CA given and fails on a certificate it does not trust', async (t) => {
  const server = https.createServer({
    cert: readFileSync(path.join(FIXTURES, 'tls/cert-a.pem')),
    key: readFileSync(path.join(FIXTURES, 'tls/key-a.pem')),
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => ws.send('over tls'));
  t.after(() => {
    for (const ws of wss.clients) ws.terminate();
    wss.close();
  });
  const port = await listen(t, server);
  const ca = readFileSync(path.join(FIXTURES, 'tls/cert-a.pem'), 'utf8');
  const outcome = await dial(t, `wss://localhost:${port}/`, { ...OPTIONS, ca: [ca] });
  assert.ok('open' in outcome, JSON.stringify(outcome));
  assert.equal(await waitFor('the first frame', () => outcome.texts[0]), 'over tls');
  const untrusted = await dial(t, `wss://localhost:${port}/`);
  assert.ok('failed' in untrusted && /self[- ]signed|unable to verify|certificate/i.test(untrusted.failed), JSON.stringify(untrusted));
  // As with ws's client and Node's own, NODE_TLS_REJECT_UNAUTHORIZED=0 turns the check off.
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  t.after(() => delete process.env.NODE_TLS_REJECT_UNAUTHORIZED);
  const unchecked = await dial(t, `wss://localhost:${port}/`);
  assert.ok('open' in unchecked, JSON.stringify(unchecked));
});

test('parseResponseHead reads the status and headers and rejects what is not HTTP/1.x', () => {
  const parsed = parseResponseHead('HTTP/1.1 101 Switching Protocols\r\nUpgrade:  websocket \r\nX-A: b:c');
  assert.equal(parsed?.status, 101);
  assert.equal(parsed?.headers.get('upgrade'), 'websocket');
  assert.equal(parsed?.headers.get('x-a'), 'b:c');
  assert.equal(parseResponseHead('HTTP/2 101'), null);
  assert.equal(parseResponseHead('HTTP/1.1 101 OK\r\nno colon here'), null);
  assert.equal(parseResponseHead('HTTP/1.1 1010 x'), null);
});
