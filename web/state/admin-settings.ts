/**
 * @module The page's title, description and links, and a node's notes, as set in the admin:
 * signals and actions through /api/admin/page and /api/admin/nodes/:id/notes.
 */
import { signal } from '@preact/signals';
import type { NodeNotesView, PageInfoView, PageModeReply, PageModeRequest } from '../../src/protocol/admin';
import { api, attempt } from './admin-api';
import { loadSetup } from './admin-setup';

export const pageInfoView = signal<PageInfoView | null>(null);

export function savePageInfo(fields: Pick<PageModeRequest, 'title' | 'description' | 'links'>, ok: string): Promise<boolean> {
  return attempt(async () => {
    pageInfoView.value = (await api<PageModeReply>('PUT', '/api/admin/page', fields satisfies PageModeRequest)).info;
    await loadSetup();
  }, ok);
}

export function loadNotes(id: number): Promise<NodeNotesView> {
  return api<NodeNotesView>('GET', `/api/admin/nodes/${id}/notes`);
}

export function saveNotes(id: number, notes: Record<string, unknown>, ok: string): Promise<boolean> {
  return attempt(async () => {
    await api<NodeNotesView>('PUT', `/api/admin/nodes/${id}/notes`, notes);
    await loadSetup();
  }, ok);
}
