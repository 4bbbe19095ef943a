/**
 * @module The status page's files, held in memory with their gzip and brotli forms and an ETag.
 * Inside the single executable they are embedded assets; from source they come from dist/web. The
 * build compressed them (`<file>.gz`, `<file>.br`); index.html, filled in here, is compressed here.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import type { PageInfo } from '../../protocol/messages';
import { seaAssets } from '../../util/sea';

export interface Asset {
  type: string;
  etag: string;
  raw: Buffer;
  gzip: Buffer;
  brotli: Buffer;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

function readPageFile(name: string, webDir: string): Buffer {
  const sea = seaAssets();
  return sea ? Buffer.from(sea.getAsset(`web/${name}`)) : readFileSync(path.join(webDir, name));
}

/** A file the build wrote beside the page's files (its .gz or .br), or null if it did not. */
function readBuilt(name: string, webDir: string): Buffer | null {
  try {
    return readPageFile(name, webDir);
  } catch {
    return null; // not embedded (node:sea throws) or not in dist/web
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON safe inside a <script> element: no "</script>" or "<!--" can form. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/** Fills index.html's %TITLE%, %DESCRIPTION% and %PAGE_INFO% (a JSON data block, not a script). */
export function renderIndex(html: string, page: PageInfo): string {
  return html
    .replaceAll('%TITLE%', escapeHtml(page.title))
    .replaceAll('%DESCRIPTION%', escapeHtml(page.description))
    .replace('%PAGE_INFO%', () => scriptJson(page));
}

function asset(type: string, raw: Buffer, built: { gzip: Buffer | null; brotli: Buffer | null } = { gzip: null, brotli: null }): Asset {
  return {
    type,
    etag: `"${createHash('sha256').update(raw).digest('base64url').slice(0, 22)}"`,
    raw,
    gzip: built.gzip ?? gzipSync(raw, { level: 9 }),
    brotli: built.brotli ?? brotliCompressSync(raw),
  };
}

/**
 * index.html filled in from `page` at `/`, `/index.html` and `/admin` of `assets` (again when the
 * admin changed the page's title, description or links).
 */
export function putIndex(assets: Map<string, Asset>, page: PageInfo, webDir = path.resolve('dist/web')): void {
  const index = asset(TYPES['.html']!, Buffer.from(renderIndex(readPageFile('index.html', webDir).toString('utf8'), page)));
  for (const at of ['/', '/index.html', '/admin']) assets.set(at, index);
}

/** Loads the page files the build listed in files.json (app.js, its chunks, app.css, uplot.js), with index.html filled in from `page`. */
export function loadAssets(page: PageInfo, webDir = path.resolve('dist/web')): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const names = JSON.parse(readPageFile('files.json', webDir).toString('utf8')) as string[];
  for (const name of names) {
    if (name === 'index.html') continue;
    const built = { gzip: readBuilt(`${name}.gz`, webDir), brotli: readBuilt(`${name}.br`, webDir) };
    assets.set(`/${name}`, asset(TYPES[path.extname(name)]!, readPageFile(name, webDir), built));
  }
  putIndex(assets, page, webDir);
  return assets;
}
