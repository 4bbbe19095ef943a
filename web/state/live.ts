/**
 * @module The page's /ws/live connection: applies every message to the state and reconnects
 * by itself (1 s, growing to 10 s) when the server goes away.
 */
import type { LiveMessage } from '../../src/protocol/messages';
import { applyLive, link } from './nodes';

export function connectLive(): void {
  let attempt = 0;
  const open = () => {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${scheme}//${location.host}/ws/live`);
    ws.onopen = () => {
      attempt = 0;
      link.value = 'live';
    };
    ws.onmessage = (event) => applyLive(JSON.parse(event.data as string) as LiveMessage);
    ws.onclose = () => {
      link.value = 'reconnecting';
      const delay = Math.min(10_000, 1000 * 2 ** attempt++) * (0.5 + Math.random() / 2);
      setTimeout(open, delay);
    };
  };
  open();
}
