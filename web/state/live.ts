/**
 * @module The page's /ws/live connection: applies the server's messages to the state and
 * reconnects by itself (1 s, growing to 10 s) when the server goes away. Updates are applied
 * together at most once per APPLY_MS, so a big fleet costs one re-render a second, not one per frame.
 * While a node's page is open it watches that node, for the metrics the overview does without.
 */
import { batch, effect } from '@preact/signals';
import type { LiveMessage, LiveWatch } from '../../src/protocol/messages';
import { checkAccess } from './access';
import { applyLiveAll, link } from './nodes';
import { route } from './route';

const APPLY_MS = 1000;

let running = false;

/** Opens the feed unless it runs already; it stops by itself when the page's access is withdrawn. */
export function connectLive(): void {
  if (running) return;
  running = true;
  let attempt = 0;
  let pending: LiveMessage[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastApplied = 0;
  let socket: WebSocket | null = null;

  const watch = () => {
    const r = route.value;
    const request: LiveWatch = { type: 'watch', id: r.page === 'node' ? r.id : null };
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(request));
  };
  effect(watch);

  const apply = () => {
    timer = null;
    lastApplied = Date.now();
    const messages = pending;
    pending = [];
    batch(() => applyLiveAll(messages));
  };

  const open = () => {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${scheme}//${location.host}/ws/live`);
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      link.value = 'live';
      if (route.peek().page === 'node') watch();
    };
    ws.onmessage = (event) => {
      const msg = JSON.parse(event.data as string) as LiveMessage;
      // A snapshot replaces everything before it and shows at once; so does the watched node, whole.
      if (msg.type === 'snapshot' || msg.type === 'node') {
        if (msg.type === 'snapshot') pending = [msg];
        else pending.push(msg);
        if (timer) clearTimeout(timer);
        apply();
        return;
      }
      pending.push(msg);
      timer ??= setTimeout(apply, Math.max(0, lastApplied + APPLY_MS - Date.now()));
    };
    ws.onclose = () => {
      link.value = 'reconnecting';
      const delay = Math.min(10_000, 1000 * 2 ** attempt++) * (0.5 + Math.random() / 2);
      // Refused because the page went private (or its password changed): show the gate instead.
      setTimeout(() => void checkAccess().then((a) => (a && !a.granted ? (running = false) : open())), delay);
    };
  };
  open();
}
