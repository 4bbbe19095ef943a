/**
 * @module /ws/live: sends each page a snapshot of every node, then, every window, one frame with
 * only the nodes that changed, serialized once and shared by every viewer.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { LiveMessage } from '../protocol/messages';
import type { Hub } from './hub';

const WINDOW_MS = 200;
/** A viewer that has this much unsent data is too slow to follow; it is dropped and will reconnect. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export class LiveGateway {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024, perMessageDeflate: false });
  private readonly dirty = new Set<number>();
  private readonly removed = new Set<number>();
  private readonly timer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;

  constructor(private readonly hub: Hub) {
    this.unsubscribe = hub.subscribe((event) => {
      if ('changed' in event) for (const id of event.changed) this.dirty.add(id);
      else for (const id of event.removed) {
        this.dirty.delete(id);
        this.removed.add(id);
      }
    });
    this.timer = setInterval(() => this.flush(), WINDOW_MS);
    this.timer.unref();
  }

  get viewerCount(): number {
    return this.wss.clients.size;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const snapshot: LiveMessage = { type: 'snapshot', nodes: this.hub.views() };
      ws.send(JSON.stringify(snapshot));
      // Viewers only listen; anything they send is ignored.
      ws.on('error', () => ws.terminate());
    });
  }

  private broadcast(msg: LiveMessage): void {
    const text = JSON.stringify(msg);
    for (const ws of this.wss.clients) {
      if (ws.readyState !== ws.OPEN) continue;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        ws.terminate();
        continue;
      }
      ws.send(text);
    }
  }

  private flush(): void {
    if (this.removed.size > 0) {
      this.broadcast({ type: 'remove', ids: [...this.removed] });
      this.removed.clear();
    }
    if (this.dirty.size === 0) return;
    const nodes = [...this.dirty].flatMap((id) => this.hub.view(id) ?? []);
    this.dirty.clear();
    if (this.wss.clients.size > 0) this.broadcast({ type: 'update', nodes });
  }

  close(): void {
    clearInterval(this.timer);
    this.unsubscribe();
    for (const ws of this.wss.clients) ws.close(1001, 'server shutting down');
    this.wss.close();
  }

  /** Cuts every connection that did not finish its close handshake. */
  terminate(): void {
    for (const ws of this.wss.clients) ws.terminate();
  }
}
