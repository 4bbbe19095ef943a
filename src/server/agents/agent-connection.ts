/**
 * @module One agent's connection as the gateway holds it, and the first look at each frame it
 * sends: a connection that sends too fast or too many bad messages in a row is closed.
 */
import type WebSocket from 'ws';
import type { DecodedFields } from '../../protocol/compact';
import type { AgentMessage, ServerMessage } from '../../protocol/messages';
import { parseAgentMessage } from '../../protocol/parse';
import type { ParseResult } from '../../protocol/parse';
import { log } from '../../util/log';
import type { TokenBucket } from '../net/limits';
import type { AckPace } from './ack-pacer';
import type { Heard } from './agent-silence';
import type { ClockOffset } from './clock-offset';

/** Consecutive bad messages after which the connection is closed. */
const MAX_BAD_IN_A_ROW = 10;
/**
 * Messages per second one agent may send, with a burst. Backfill after an outage sends about
 * 1 000 per second; anything far above is a flood, and the connection is closed.
 */
export const MESSAGE_RATE = 2000;
export const MESSAGE_BURST = 4000;

/** One agent's connection; silent ones are cut and their nodes shown offline (see agent-silence.ts). */
export interface AgentConnection extends Heard {
  ws: WebSocket;
  nodeId: number;
  name: string;
  keyHash: string;
  schema: string[] | null;
  /** Decoding state of compact frames; reset by each hello. */
  compact: { prev: DecodedFields | null };
  /** Its acks; their interval is fixed, or chosen at hello (see AUTO_ACK_MAX_AGENTS). */
  acks: AckPace<WebSocket>;
  badInARow: number;
  rate: TokenBucket;
  /** The agent was told its node's metric name budget is spent (once per connection). */
  toldBudget: boolean;
  /** Its node's clock offset, kept across connections; samples are stored at the server's time. */
  clockOffset: ClockOffset;
  correctTs: (seq: number, ts: number, now: number) => number;
}

export function send(ws: WebSocket, msg: ServerMessage): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
}

/**
 * The message in a frame from `conn`, or null when there is none to act on: the connection is
 * being closed (now or before), or the frame was bad (the agent is told why).
 */
export function readMessage(conn: AgentConnection, data: WebSocket.RawData, isBinary: boolean, now: () => number): AgentMessage | null {
  if (conn.revoked) return null;
  // One reading of the clock per message: ~0.2 µs each here, and the server read it ~9 times a sample.
  const at = now();
  conn.lastMessageAt = at;
  if (!conn.rate.take(at)) {
    log.warn('agent sends too fast; closing its connection', { node: conn.name, code: 'PROBE_ERR_RATE' });
    send(conn.ws, { type: 'error', code: 'PROBE_ERR_RATE', message: `more than ${MESSAGE_RATE} messages per second` });
    conn.revoked = true;
    conn.ws.close(1008, 'too many messages');
    return null;
  }
  const result: ParseResult<AgentMessage> = isBinary
    ? { ok: false, code: 'PROBE_ERR_BAD_MESSAGE', message: 'binary frames are not part of the protocol: send JSON text' }
    : parseAgentMessage(data.toString(), { schema: conn.schema, now: at, compact: conn.compact, correctTs: conn.correctTs });
  if (!result.ok) {
    conn.badInARow++;
    if (conn.badInARow <= 3) log.warn('bad message from agent', { node: conn.name, code: result.code, error: result.message });
    send(conn.ws, { type: 'error', code: result.code, message: result.message });
    // Everything after a broken compact frame would be misread: start over on a new connection (the agent resends).
    if (result.fatal || conn.badInARow >= MAX_BAD_IN_A_ROW) {
      conn.revoked = true;
      conn.ws.close(1008, result.fatal ? 'broken compact frame' : 'too many bad messages');
    }
    return null;
  }
  conn.badInARow = 0;
  return result.value;
}
