/**
 * @module The page's settings (title, description, footer links, version), read once from the
 * JSON block the server put into index.html.
 */
import type { PageInfo } from '../../src/protocol/messages';

function read(): PageInfo {
  const fallback: PageInfo = { title: document.title, description: '', links: [], version: '', alerts: 'none' };
  try {
    return { ...fallback, ...(JSON.parse(document.getElementById('page-info')?.textContent ?? '{}') as Partial<PageInfo>) };
  } catch {
    return fallback;
  }
}

export const pageInfo = read();
