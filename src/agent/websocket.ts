/**
 * @module The agent's WebSocket client. The opening handshake (RFC 6455 §4.1) is done here, over a
 * net or tls socket; the open socket then goes to ws's WebSocket, which frames, masks, answers pings
 * and closes, as it does for the sockets its own server accepts. ws's client would make the
 * handshake with node:http and node:crypto, which an agent over ws:// needs for nothing else: the two
 * put ~2.3 MB on its RSS (Node 22). The key and the masks come from SystemRandom, the accept header
 * is checked with sha1.ts.
 */
import net from 'node:net';
import WebSocket from 'ws';
import { builtin } from '../util/builtin';
import { sha1 } from '../util/sha1';
import { SystemRandom } from '../util/system-random';

/** RFC 6455's GUID, appended to the key for Sec-WebSocket-Accept. */
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** The most a server's handshake response may take before its blank line. */
export const MAX_RESPONSE_HEAD_BYTES = 16 * 1024;

export interface WebSocketOptions {
  /** Sent with the upgrade request (the agent's Authorization). */
  headers: Record<string, string>;
  /** The largest message accepted from the server; a larger one closes the socket with 1009. */
  maxPayload: number;
  /** From the first connect until the server switched protocols. */
  handshakeTimeoutMs: number;
  /** wss://: the certificates trusted (Node's built-in list when not given). */
  ca?: string[];
  /** wss://: false only for the server's own agent on loopback. */
  rejectUnauthorized?: boolean;
}

export interface HandshakeEvents {
  /**
   * The server switched protocols: the socket is open (listen here: frames may follow at once).
   * `reading` stops and starts the reading of the socket under it.
   */
  open(socket: WebSocket, reading: ReadSwitch): void;
  /** The server answered with this HTTP status instead. */
  refused(status: number): void;
  /** No connection, a timeout, or a response that is not a valid switch. */
  failed(message: string): void;
}

export interface Dialing {
  /** Gives up on a handshake still under way (no event follows); an open socket is the caller's to close. */
  abort(): void;
}

/**
 * ws's WebSocket as its server makes one (no address), and its socket hand-over, used here for a
 * client, with the settings ws's own client gives them (its initAsClient's defaults: a close
 * handshake may take 30 s, at most 60 pongs pending, 256 Ki chunks and 16 Ki fragments buffered).
 */
const Adoptable = WebSocket as unknown as new (
  address: null,
  protocols: undefined,
  options: { autoPong: boolean; closeTimeout: number; maxPendingAutoPongs: number },
) => AdoptableWebSocket;
const CLIENT_DEFAULTS = { autoPong: true, closeTimeout: 30_000, maxPendingAutoPongs: 60 };
const RECEIVER_DEFAULTS = {
  allowSynchronousEvents: true,
  maxBufferedChunks: 256 * 1024,
  maxFragments: 16 * 1024,
  skipUTF8Validation: false,
};
interface AdoptableWebSocket extends WebSocket {
  _isServer: boolean;
  setSocket(
    socket: net.Socket,
    head: Buffer,
    options: typeof RECEIVER_DEFAULTS & { maxPayload: number; generateMask: (mask: Buffer) => void },
  ): void;
}

const random = new SystemRandom();

/**
 * Whether the process reads a socket at all. Stopped, what the server sends waits in the kernel
 * and does not wake the process (a paused stream is still read into its buffer, and each arrival
 * wakes it). Both do to the socket's handle what Node's own net.Socket does: `stop` as its pause
 * does for a socket read into a fixed buffer, `start` as its _read does.
 */
export interface ReadSwitch {
  stop(): void;
  start(): void;
}

/** The part of a net or tls socket's handle the switch uses (null once the socket is destroyed). */
interface ReadingHandle {
  reading: boolean;
  readStop(): number;
  readStart(): number;
}

function readSwitch(socket: net.Socket): ReadSwitch {
  const handle = () => (socket as unknown as { _handle: ReadingHandle | null })._handle;
  return {
    stop() {
      const h = handle();
      if (!h?.reading || socket.destroyed) return;
      h.reading = false;
      h.readStop();
    },
    start() {
      const h = handle();
      if (!h || h.reading || socket.destroyed) return;
      h.reading = true;
      if (h.readStart() !== 0) socket.destroy(new Error('cannot read the socket'));
    },
  };
}

/** A TCP (ws://) or TLS (wss://) socket to `url`'s host, and the event that says it is ready. */
export function connectTo(url: URL, tls: { ca?: string[]; rejectUnauthorized?: boolean } = {}) {
  const secure = url.protocol === 'wss:';
  const port = Number(url.port) || (secure ? 443 : 80);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // Only the settings given: a rejectUnauthorized left undefined would override NODE_TLS_REJECT_UNAUTHORIZED.
  const given = Object.fromEntries(Object.entries(tls).filter(([, value]) => value !== undefined));
  const socket = secure
    ? builtin('node:tls').connect({ host, port, servername: net.isIP(host) ? undefined : host, ...given })
    : net.connect({ host, port });
  return { socket, ready: secure ? 'secureConnect' : 'connect' };
}

/** Opens a WebSocket to `url` (ws:// or wss://); exactly one of `events` is called, unless aborted. */
export function openWebSocket(url: URL, options: WebSocketOptions, events: HandshakeEvents): Dialing {
  const key = random.fill(Buffer.alloc(16)).toString('base64');
  const { socket, ready } = connectTo(url, { ca: options.ca, rejectUnauthorized: options.rejectUnauthorized });
  let head = Buffer.alloc(0);
  let settled = false;
  const settle = () => {
    settled = true;
    clearTimeout(timer);
    socket.removeListener('data', onData).removeListener('error', onError).removeListener('close', onClose);
  };
  const fail = (message: string) => {
    if (settled) return;
    settle();
    socket.destroy();
    events.failed(message);
  };
  const onError = (err: Error) => fail(err.message);
  const onClose = () => fail('the server closed the connection during the opening handshake');
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) {
      if (head.length > MAX_RESPONSE_HEAD_BYTES) fail(`the server's response head is over ${MAX_RESPONSE_HEAD_BYTES} bytes`);
      return;
    }
    const response = parseResponseHead(head.subarray(0, end).toString('latin1'));
    if (!response) return fail('the server sent an invalid HTTP response');
    if (response.status !== 101) {
      settle();
      socket.destroy();
      return events.refused(response.status);
    }
    const problem = switchProblem(response.headers, key);
    if (problem) return fail(problem);
    settle();
    const ws = new Adoptable(null, undefined, CLIENT_DEFAULTS);
    ws._isServer = false; // a client: its frames masked, the server's not
    // What came after the blank line (a first frame) goes back into the socket for ws to read.
    ws.setSocket(socket, head.subarray(end + 4), {
      ...RECEIVER_DEFAULTS,
      maxPayload: options.maxPayload,
      generateMask: (mask) => random.fill(mask),
    });
    events.open(ws, readSwitch(socket));
  };
  const timer = setTimeout(() => fail(`no WebSocket within ${options.handshakeTimeoutMs} ms`), options.handshakeTimeoutMs);
  socket.on('error', onError).on('close', onClose).on('data', onData);
  socket.once(ready, () => socket.write(upgradeRequest(url, key, options.headers)));
  return {
    abort() {
      if (settled) return;
      settle();
      socket.destroy();
    },
  };
}

function upgradeRequest(url: URL, key: string, headers: Record<string, string>): string {
  const lines = [
    `GET ${url.pathname}${url.search} HTTP/1.1`,
    `Host: ${url.host}`,
    'Connection: Upgrade',
    'Upgrade: websocket',
    'Sec-WebSocket-Version: 13',
    `Sec-WebSocket-Key: ${key}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** The status and the headers (names in lower case) of a response head, or null if it is not HTTP/1.x. */
export function parseResponseHead(text: string): { status: number; headers: Map<string, string> } | null {
  const [statusLine, ...lines] = text.split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(statusLine ?? '');
  if (!status) return null;
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) return null;
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { status: Number(status[1]), headers };
}

/** Why a 101 response is not the switch this client asked for (RFC 6455 §4.1, the client's checks), or null. */
function switchProblem(headers: Map<string, string>, key: string): string | null {
  if (headers.get('upgrade')?.toLowerCase() !== 'websocket') return 'the server answered 101 without Upgrade: websocket';
  if (!/(^|,)\s*upgrade\s*(,|$)/i.test(headers.get('connection') ?? '')) return 'the server answered 101 without Connection: Upgrade';
  if (headers.get('sec-websocket-accept') !== sha1(Buffer.from(key + GUID)).toString('base64'))
    return 'the server sent a wrong Sec-WebSocket-Accept';
  if (headers.has('sec-websocket-extensions')) return 'the server chose an extension this client did not offer';
  if (headers.has('sec-websocket-protocol')) return 'the server chose a subprotocol this client did not offer';
  return null;
}
