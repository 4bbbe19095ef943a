/**
 * @module A minimal authoritative DNS server on a loopback UDP port for the dns check's tests:
 * answers A and TXT from a table, NXDOMAIN for names it does not know, and nothing at all for
 * names listed as silent.
 */
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';

export interface Zone {
  /** "name" → addresses. */
  A?: Record<string, string[]>;
  /** "name" → TXT records (one string each). */
  TXT?: Record<string, string[]>;
  /** Names that get no answer, so that the client times out. */
  silent?: string[];
}

export interface DnsServer {
  /** "127.0.0.1:port", for a check's `resolver`. */
  address: string;
  /** Questions received, as "A example.test". */
  questions: string[];
  close(): Promise<void>;
}

const TYPES: Record<number, 'A' | 'TXT'> = { 1: 'A', 16: 'TXT' };
const TYPE_NAMES: Record<number, string> = { 1: 'A', 2: 'NS', 5: 'CNAME', 15: 'MX', 16: 'TXT', 28: 'AAAA' };

/** The question's name and where the question (name, type, class) ends. */
function readName(msg: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let at = offset;
  while (msg[at]! > 0) {
    labels.push(msg.toString('latin1', at + 1, at + 1 + msg[at]!));
    at += 1 + msg[at]!;
  }
  return { name: labels.join('.').toLowerCase(), end: at + 1 };
}

function rdata(type: 'A' | 'TXT', value: string): Buffer {
  if (type === 'A') return Buffer.from(value.split('.').map(Number));
  const text = Buffer.from(value, 'utf8');
  return Buffer.concat([Buffer.from([text.length]), text]);
}

function answer(query: Buffer, zone: Zone, questions: string[]): Buffer | null {
  const { name, end } = readName(query, 12);
  const qtype = query.readUInt16BE(end);
  questions.push(`${TYPE_NAMES[qtype] ?? qtype} ${name}`);
  if (zone.silent?.includes(name)) return null;
  const type = TYPES[qtype];
  const known = Object.keys(zone.A ?? {}).includes(name) || Object.keys(zone.TXT ?? {}).includes(name);
  const values = type ? (zone[type]?.[name] ?? []) : [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  // QR, the query's opcode and RD, AA, RA; RCODE 3 (NXDOMAIN) for an unknown name.
  header.writeUInt16BE(0x8000 | (query.readUInt16BE(2) & 0x7900) | 0x0400 | 0x0080 | (known ? 0 : 3), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(values.length, 6);
  const records = values.map((value) => {
    const data = rdata(type!, value);
    const record = Buffer.alloc(12);
    record.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    record.writeUInt16BE(qtype, 2);
    record.writeUInt16BE(1, 4); // class IN
    record.writeUInt32BE(60, 6);
    record.writeUInt16BE(data.length, 10);
    return Buffer.concat([record, data]);
  });
  return Buffer.concat([header, query.subarray(12, end + 4), ...records]);
}

export async function startDnsServer(zone: Zone): Promise<DnsServer> {
  const socket = dgram.createSocket('udp4');
  const questions: string[] = [];
  socket.on('message', (query, from) => {
    const reply = answer(query, zone, questions);
    if (reply) socket.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    questions,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
