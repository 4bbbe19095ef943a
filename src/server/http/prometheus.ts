/**
 * @module GET /metrics: the latest value of every node's metrics in the Prometheus text format,
 * for people who already run Prometheus, VictoriaMetrics or Grafana.
 *
 * At 10 000 nodes the page is ~410 000 lines, 33 MB. Made as strings it cost more than all of
 * ingest while it was read: its lines outlived the turns of the event loop it spanned, were promoted
 * and left to full collections. The lines are therefore written as bytes, a buffer per family,
 * straight from the hub's live rows; what a line's text needs is worked out once per metric name.
 */
import { FAMILIES, LATENCY_PREFIX, LOSS_PREFIX, METRICS, splitFamily } from '../../protocol/metrics';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gzip, constants as zlibConstants } from 'node:zlib';
import { InFlight } from '../../util/in-flight';
import type { LiveNode } from '../fleet/hub';
import { FrameWriter } from '../live/frame-writer';
import { escapeLabel, promSeries } from './prom-names';

/** Whether every character of `text` is ASCII (below U+0080). */
function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

function helpFor(metric: string): string {
  const known = (METRICS as Record<string, { help: string }>)[metric];
  if (known) return known.help;
  const device = splitFamily(metric);
  if (device) return FAMILIES[device.family].help;
  if (metric.startsWith(LATENCY_PREFIX)) return 'TCP connect time of the last probe to the target';
  if (metric.startsWith(LOSS_PREFIX)) return 'Share of the last 10 probes to the target that failed';
  return 'Agent-defined metric (its name on the agent in the metric label)';
}

/** What a metric's lines need, worked out once per name. */
interface Shape {
  name: string;
  help: string;
  /** `name{`, the text before the node's labels. */
  head: string;
  /** `,label="value"} `: the labels besides node, group and location, and what ends them. */
  tail: string;
  /** Whether head and tail are ASCII (then copied byte by byte, else encoded). */
  ascii: boolean;
  divisor: number;
}

/** Shapes by metric name (null: not shown); emptied past MAX_SHAPES names, so custom names cannot grow it for ever. */
const shapes = new Map<string, Shape | null>();
const MAX_SHAPES = 20_000;

function shapeOf(metric: string): Shape | null {
  let shape = shapes.get(metric);
  if (shape !== undefined) return shape;
  const prom = promSeries(metric);
  if (prom) {
    const extra = prom.labels.map(([k, v]) => `,${k}="${escapeLabel(v)}"`).join('');
    const head = `${prom.name}{`;
    const tail = `${extra}} `;
    shape = { name: prom.name, help: helpFor(metric), head, tail, ascii: isAscii(head + tail), divisor: prom.divisor };
  } else shape = null;
  if (shapes.size >= MAX_SHAPES) shapes.clear();
  shapes.set(metric, shape);
  return shape;
}

/** The shapes of a row's names, worked out once per names array (rows of one agent share theirs). */
const shapesByNames = new WeakMap<readonly string[], (Shape | null)[]>();

function shapesOf(names: readonly string[]): (Shape | null)[] {
  let list = shapesByNames.get(names);
  if (!list) shapesByNames.set(names, (list = names.map(shapeOf)));
  return list;
}

/** A family's lines as bytes, its HELP and TYPE first. */
class Family {
  readonly out: FrameWriter;

  constructor(name: string, help: string, expectedBytes: number) {
    this.out = new FrameWriter(4096, expectedBytes);
    // Every `_total` is a counter (the network byte counters; a custom one by Prometheus' naming rule), the rest gauges.
    const type = name.endsWith('_total') ? 'counter' : 'gauge';
    this.out.text(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${type}\n`);
  }

  /** One line: `head` + the node's labels + `tail` + the value. */
  line(head: string, labels: string, labelsAscii: boolean, tail: string, ascii: boolean, value: number): void {
    const { out } = this;
    if (ascii) out.ascii(head);
    else out.text(head);
    if (labelsAscii) out.ascii(labels);
    else out.text(labels);
    if (ascii) out.ascii(tail);
    else out.text(tail);
    if (value === Number.POSITIVE_INFINITY) out.ascii('+Inf');
    else if (value === Number.NEGATIVE_INFINITY) out.ascii('-Inf');
    else out.number(value);
    out.ascii('\n');
  }
}

const ONLINE = { name: 'probe_node_online', help: "Whether the node's agent is connected (1) or not (0)" };
const LAST_SEEN = { name: 'probe_node_last_seen_timestamp_seconds', help: 'Time of the newest sample, Unix seconds' };

/**
 * How long the page is made for before the event loop gets a turn: 10 ms, or a tenth of the time
 * it has been in the making, up to 100 ms. A turn of a loop busy with 10 000 agents can take
 * seconds (libuv reads up to 48 × 1024 ready sockets before it runs an immediate), and a page made
 * in 10 ms slices took minutes then; this way it gets at least a tenth of the thread.
 */
const SLICE_MS = 10;
const SLICE_SHARE = 0.1;
const SLICE_MAX_MS = 100;
/** Nodes rendered between turns at most, however fast (so a small page still lets others in). */
const NODES_PER_TURN = 1000;
/** Bytes a line takes, about, to size a family's buffer once it outgrows its first 4 KiB. */
const LINE_BYTES = 96;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The page for `nodes`, a buffer per metric family (to write one after another), made over several
 * turns of the event loop, so agents' samples and the live feed are not held up while it is made.
 * A node's values are read when its turn comes, so they are its newest.
 */
export async function renderPrometheus(nodes: readonly LiveNode[]): Promise<Buffer[]> {
  const families = new Map<string, Family>();
  const family = (name: string, help: string) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = new Family(name, help, nodes.length * LINE_BYTES)));
    return f;
  };
  const online = family(ONLINE.name, ONLINE.help);
  const start = performance.now();
  let sliceEnd = start + SLICE_MS;
  let sliceNodes = 0;
  for (let i = 0; i < nodes.length; i++) {
    if (++sliceNodes > NODES_PER_TURN || (i % 32 === 0 && performance.now() > sliceEnd)) {
      await nextTurn();
      const now = performance.now();
      sliceEnd = now + Math.min(SLICE_MAX_MS, Math.max(SLICE_MS, (now - start) * SLICE_SHARE));
      sliceNodes = 1;
    }
    const node = nodes[i]!;
    const labels = `node="${escapeLabel(node.name)}",group="${escapeLabel(node.group)}",location="${escapeLabel(node.location)}"`;
    const labelsAscii = isAscii(labels);
    online.line(`${ONLINE.name}{`, labels, labelsAscii, '} ', true, node.online ? 1 : 0);
    if (node.lastSeen !== null)
      family(LAST_SEEN.name, LAST_SEEN.help).line(`${LAST_SEEN.name}{`, labels, labelsAscii, '} ', true, node.lastSeen / 1000);
    const { names, data } = node;
    const list = shapesOf(names);
    for (let m = 0; m < list.length; m++) {
      const shape = list[m];
      const value = data[m]!;
      if (!shape || Number.isNaN(value)) continue;
      // Base units: seconds and ratios, as Prometheus expects.
      family(shape.name, shape.help).line(
        shape.head,
        labels,
        labelsAscii,
        shape.tail,
        shape.ascii,
        shape.divisor === 1 ? value : value / shape.divisor,
      );
    }
  }
  return [...families.values()].map((f) => f.out.written());
}

const gzipAsync = promisify(gzip);

/**
 * GET and HEAD /metrics: a page as `make` renders it, gzipped for a client that takes it, as
 * Prometheus does (at 10 000 nodes 33 MB become 2.5 MB), on libuv's thread pool at the fastest
 * level: ~70 ms there for those 33 MB, none of it on the event loop. Scrapers that ask for the same
 * `key` (the audience) while its page or gzipped form is being made share it.
 */
export class MetricsPages {
  private readonly pages = new InFlight<Buffer[]>();
  private readonly gzipped = new InFlight<Buffer>();

  async send(req: IncomingMessage, res: ServerResponse, key: string, make: () => Promise<Buffer[]>): Promise<void> {
    const page = () => this.pages.run(key, make);
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const parts = gzip ? null : await page();
    const body = gzip
      ? await this.gzipped.run(key, async () => gzipAsync(Buffer.concat(await page()), { level: zlibConstants.Z_BEST_SPEED }))
      : null;
    if (res.destroyed) return;
    res.writeHead(200, {
      'Content-Type': 'text/plain; version=0.0.4; charset=utf-8',
      'Content-Length': body ? body.length : parts!.reduce((sum, part) => sum + part.length, 0),
      'Cache-Control': 'no-store',
      Vary: 'Accept-Encoding',
      ...(body && { 'Content-Encoding': 'gzip' }),
    });
    if (req.method === 'HEAD') res.end();
    else if (body) res.end(body);
    else {
      for (const part of parts!) res.write(part);
      res.end();
    }
  }
}
