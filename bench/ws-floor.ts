/**
 * The floor for bench/ingest.ts --floor: a bare WebSocket server (the same ws library and
 * settings as probe's agent gateway) that welcomes agents and turns each frame into a string,
 * and does nothing else: no parsing, storage, acks, alerts or live feed. What it costs per value
 * is what any server built on ws spends before doing any work. Prints {"port":…} once listening.
 */
import { WebSocketServer } from 'ws';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/ws/agent', maxPayload: 64 * 1024, perMessageDeflate: false });
let frames = 0;
wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    if (data.toString().startsWith('{"type":"hello"'))
      ws.send(
        JSON.stringify({
          type: 'welcome',
          protocol: 1,
          serverVersion: 'floor',
          node: 'floor',
          ignoredMetrics: [],
          ackIntervalMs: 5000,
          compact: true,
        }),
      );
    frames++;
  });
});
wss.on('listening', () => process.stdout.write(`${JSON.stringify({ port: (wss.address() as { port: number }).port })}\n`));
process.on('SIGTERM', () => {
  process.stderr.write(`ws floor: ${frames} frames\n`);
  process.exit(0);
});
