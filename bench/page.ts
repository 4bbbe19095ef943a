/**
 * Page benchmark: the real server binary with N simulated agents (1 sample/s each, bench/agents.ts),
 * viewed in Debian Chromium through playwright-core. Prints what issue 5 sets goals for:
 * - page weight as served, gzip and brotli: the overview (index.html, app.css, app.js and the chunks it
 *   imports) and, added to it, a node page's chunk and uplot.js, which the node page loads (goal: gzip < 60 KiB);
 *   the admin's chunk is in neither;
 * - first render: JavaScript time in the first 1.5 s after navigation, by when every node is on screen
 *   (goal < 100 ms at 200 nodes), from a trace of the renderer's main thread: script, timers, events,
 *   microtasks (Preact renders in microtasks) and the garbage collection inside them (trace.ts), and the
 *   renderer thread's CPU time in it (on a shared machine the rest is the thread waiting for a core).
 *   CDP's ScriptDuration, printed too for comparison with earlier figures, leaves microtasks out.
 *   The visit is a first one (a fresh browser profile, nothing cached) in a browser already running and
 *   idle, as a visitor's is; with --cold, the page is opened as soon as Chromium has started, while its
 *   own start-up still takes the cores (how this bench measured until 2026-11-29: about twice the wall time);
 * - steady state: renderer main-thread busy time per wall second while every node updates each second
 *   (CDP TaskDuration; goal < 10 % of one core at 200 nodes), for cards and for the table, and the
 *   script share of it from a 5 s trace after the measured window.
 * Usage: npm run bench:page -- [--nodes 200] [--seconds 20] [--binary dist/probe (another build, to compare)] [--cold]
 *   [--save-trace dir (the first render's traces, for DevTools' Performance panel)]
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { CHROMIUM_ARGS } from '../test/browser';
import { FIRST_RENDER_MS, startFleet } from './page-fleet';
import { cpuSeconds, pagesPerSecond } from './proc-stats';
import { TRACE_CATEGORIES, scripting } from './trace';

const { values: args } = parseArgs({
  options: {
    nodes: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '20' },
    binary: { type: 'string' },
    /** Open the page while Chromium is still starting (see above). */
    cold: { type: 'boolean', default: false },
    /** A folder to keep the first render's traces in (cards.json, table.json), for DevTools' Performance panel. */
    'save-trace': { type: 'string' },
  },
});
const count = Number(args.nodes);
const seconds = Number(args.seconds);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const STEADY_TRACE_MS = 5000;
/** One-second reads of the pages Chromium touches (see browserPages). */
const PAGE_SECONDS = 5;
const saveTrace = args['save-trace'];
if (saveTrace) mkdirSync(saveTrace, { recursive: true });
const fleet = await startFleet(count, args.binary);
const children = fleet.children;

async function servedBytes(url: string, encoding: string, files: string[]): Promise<number> {
  let total = 0;
  for (const file of files) {
    const res = await fetch(url + file, { headers: { 'accept-encoding': encoding } });
    total += Number(res.headers.get('content-length'));
    if (res.headers.get('content-encoding') !== encoding) throw new Error(`${file} was not served with ${encoding}`);
    await res.arrayBuffer();
  }
  return total;
}

/**
 * `files` and every script they import, as the browser would fetch them: static imports (`from"./x.js"`),
 * and dynamic ones (`import("./x.js")`) whose name starts with one of `load` (a part of the page being shown).
 */
async function withImports(url: string, files: string[], load: string[] = []): Promise<string[]> {
  const seen = new Set(files);
  for (const file of seen) {
    if (!file.endsWith('.js')) continue;
    const text = await (await fetch(url + file)).text();
    for (const [, name, dynamic] of text.matchAll(/(?:from|import)\s*"\.\/([\w.-]+\.js)"|import\("\.\/([\w.-]+\.js)"\)/g))
      if (name) seen.add(`/${name}`);
      else if (load.some((prefix) => dynamic!.startsWith(prefix))) seen.add(`/${dynamic}`);
  }
  return [...seen];
}

async function metric(cdp: CDPSession, name: string): Promise<number> {
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
  return metrics.find((m) => m.name === name)!.value;
}

/** Chromium's processes: every descendant of this one except the server and the agents. */
function browserPids(): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  const ours = new Set(children.map((c) => c.pid));
  const isBrowser = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (ours.has(p)) return false;
      if (p === process.pid) return true;
    }
    return false;
  };
  return [...parent.keys()].filter((pid) => !ours.has(pid) && isBrowser(pid));
}

/** What a Chromium process is (its --type=, the browser itself without one). */
function processType(pid: number): string {
  try {
    return /--type=([\w-]+)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'latin1'))?.[1] ?? 'browser';
  } catch {
    return 'gone';
  }
}

/**
 * Private 4 KB pages Chromium's processes touch per second while the page updates, summed by kind
 * of process (the page's renderer, the GPU process that draws the frames, the browser, the rest).
 * Read after the CPU window: clearing the marks costs the processes a touch of each page again. On
 * a VM that ages its guests' memory each of these pages costs a fresh mapping a second, so this is
 * what the live page costs there, and unlike CPU time it does not move with the machine's neighbours.
 */
async function browserPages(seconds: number): Promise<string> {
  const pids = browserPids();
  const pages = await pagesPerSecond(Object.fromEntries(pids.map((pid) => [String(pid), pid])), seconds);
  const byType = new Map<string, number>();
  for (const pid of pids) {
    const type = processType(pid);
    byType.set(type, (byType.get(type) ?? 0) + (pages[String(pid)]?.anon ?? 0));
  }
  const all = [...byType.values()].reduce((a, b) => a + b, 0);
  const parts = [...byType].sort((a, b) => b[1] - a[1]).map(([type, n]) => `${type} ${n}`);
  return `private pages touched per second ${all} (${parts.join(', ')})`;
}

function browserCpu(pids: number[]): number {
  return pids.reduce((sum, pid) => {
    try {
      return sum + cpuSeconds(pid);
    } catch {
      return sum;
    }
  }, 0);
}

/** Milliseconds of JavaScript on the page's main thread while `during` runs, wall and CPU (see trace.ts). */
async function traced(
  browser: Browser,
  page: Page,
  during: () => Promise<unknown>,
  saveAs?: string,
): Promise<{ ms: number; cpuMs: number }> {
  await browser.startTracing(page, { categories: TRACE_CATEGORIES });
  await during();
  const trace = await browser.stopTracing();
  if (saveAs) writeFileSync(saveAs, trace);
  return scripting(JSON.parse(trace.toString('utf8')) as { traceEvents: [] });
}

/** Waits (at most 10 s) until Chromium's processes use under 5 % of a core over a quarter second: started, and idle. */
async function browserIdle(): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const pids = browserPids();
    const before = browserCpu(pids);
    await sleep(250);
    if (browserCpu(pids) - before < 0.05 * 0.25) return;
  }
}

/** While the page keeps up with the live feed: main-thread busy share of one core, and all of Chromium's CPU (not traced: tracing costs CPU). */
async function steadyLoad(page: Page, cdp: CDPSession): Promise<{ busy: number; total: number }> {
  await sleep(3000);
  const pids = browserPids();
  const task0 = await metric(cdp, 'TaskDuration');
  const cpu0 = browserCpu(pids);
  const t0 = Date.now();
  await sleep(seconds * 1000);
  const wall = (Date.now() - t0) / 1000;
  const total = (browserCpu(pids) - cpu0) / wall;
  const busy = ((await metric(cdp, 'TaskDuration')) - task0) / wall;
  await page.evaluate(() => 0);
  return { busy, total };
}

try {
  const url = fleet.url;
  const load = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  console.log(`load average ${load()} (1, 5, 15 min) at the start`);
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  // The overview's files, and a node page's: its own code (loaded when first shown) and the charts' uplot.js.
  const overview = await withImports(url, ['/', '/app.css', '/app.js']);
  const all = await withImports(url, [...overview, '/uplot.js'], ['node-detail-']);
  console.log(
    `page weight: overview ${kib(await servedBytes(url, 'gzip', overview))} gzip / ${kib(await servedBytes(url, 'br', overview))} brotli ` +
      `(${overview.length} files); with a node page and its charts ${kib(await servedBytes(url, 'gzip', all))} gzip / ` +
      `${kib(await servedBytes(url, 'br', all))} brotli (${all.length} files; goal gzip < 60 KiB)`,
  );

  // A fresh browser per layout: a first visit, with nothing compiled or cached yet.
  for (const layout of ['cards', 'table'] as const) {
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    try {
      const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
      await context.addInitScript((l) => localStorage.setItem('probe.prefs', JSON.stringify({ layout: l })), layout);
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('Performance.enable');
      if (!args.cold) await browserIdle();
      const selector = layout === 'cards' ? 'article.card' : 'table.nodes tbody tr';
      let firstScript = 0;
      // No polling while the first render runs (polling is script time too): wait, then check.
      const firstTraced = await traced(
        browser,
        page,
        async () => {
          await page.goto(`${url}/`);
          await sleep(FIRST_RENDER_MS);
          firstScript = (await metric(cdp, 'ScriptDuration')) * 1000;
        },
        saveTrace && path.join(saveTrace, `${layout}.json`),
      );
      const shown = await page.evaluate((sel) => document.querySelectorAll(sel).length, selector);
      if (shown < count) throw new Error(`only ${shown} of ${count} nodes on the page after ${FIRST_RENDER_MS} ms`);
      // (No named functions inside evaluate: tsx would wrap them in a helper the page lacks.)
      const before = await page.evaluate((sel) => [...document.querySelectorAll(sel)].map((e) => e.textContent).join(), selector);
      await sleep(2500);
      const changing =
        before !== (await page.evaluate((sel) => [...document.querySelectorAll(sel)].map((e) => e.textContent).join(), selector));
      if (!changing) throw new Error('the page did not change in 2.5 s: the live feed is not reaching it');
      const { busy, total } = await steadyLoad(page, cdp);
      const script = (await traced(browser, page, () => sleep(STEADY_TRACE_MS))).ms / STEADY_TRACE_MS;
      const pages = await browserPages(PAGE_SECONDS);
      console.log(
        `${layout}, ${count} nodes${args.cold ? ' (browser still starting)' : ''}: first render ${firstTraced.ms.toFixed(0)} ms of scripting in the first ${FIRST_RENDER_MS} ms (bundle, snapshot, first live batch; goal < 100 ms; ` +
          `on the CPU ${firstTraced.cpuMs.toFixed(0)} ms, the rest waiting for a core; ` +
          `CDP ScriptDuration, without microtasks: ${firstScript.toFixed(0)} ms); live updates over ${seconds} s: ` +
          `main thread ${(busy * 100).toFixed(1)} % of one core (scripts ${(script * 100).toFixed(1)} %), all Chromium processes ${(total * 100).toFixed(1)} % (goal < 10 %); then ${pages}`,
      );
      await context.close();
    } finally {
      await browser.close();
    }
  }
  console.log(`load average ${load()} at the end`);
} finally {
  fleet.stop();
}
