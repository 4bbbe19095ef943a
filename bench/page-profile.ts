/**
 * @module Where the page's first render goes: the same fleet as bench/page.ts (the real binary, N
 * simulated agents, Debian Chromium), one trace of the first 1.5 s per layout with V8's sampling
 * profiler on, written to --out (open it in DevTools' Performance panel) and summed up here: the main
 * thread's top-level tasks over 2 ms, and the functions with the most self time.
 * Usage: node --import tsx bench/page-profile.ts [--nodes 200] [--out /tmp] [--layouts cards,table] [--path /]
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../test/browser';
import { FIRST_RENDER_MS, startFleet } from './page-fleet';
import { TRACE_CATEGORIES } from './trace';
import { summarize } from './trace-summary';

const { values: args } = parseArgs({
  options: {
    nodes: { type: 'string', default: '200' },
    out: { type: 'string', default: '/tmp' },
    layouts: { type: 'string', default: 'cards,table' },
    path: { type: 'string', default: '/' },
  },
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fleet = await startFleet(Number(args.nodes));
try {
  for (const layout of args.layouts!.split(',')) {
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    try {
      const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
      await context.addInitScript((l) => localStorage.setItem('probe.prefs', JSON.stringify({ layout: l })), layout);
      const page = await context.newPage();
      await browser.startTracing(page, { categories: [...TRACE_CATEGORIES, 'disabled-by-default-v8.cpu_profiler'] });
      await page.goto(fleet.url + args.path!);
      await sleep(FIRST_RENDER_MS);
      const trace = (await browser.stopTracing()).toString('utf8');
      const file = path.join(args.out!, `page-${layout}.json`);
      writeFileSync(file, trace);
      console.log(`== ${layout} (${file})`);
      console.log(summarize(JSON.parse(trace) as Parameters<typeof summarize>[0]));
      await context.close();
    } finally {
      await browser.close();
    }
  }
} finally {
  fleet.stop();
}
