/**
 * @module /api/admin/page (who may see the page, and its title, description and links) and
 * /api/admin/nodes/:id/notes (a node's price, billing, expiry, traffic limit and reset day, note).
 * What the config file sets is shown and refused here: the file wins.
 */
import type { NodeNotesView, PageModeReply } from '../../protocol/admin';
import { requestFields } from '../../util/fields';
import { log } from '../../util/log';
import type { Hub } from '../fleet/hub';
import { json, readBody } from '../net/http-body';
import type { NodeNotesSetup } from './node-notes';
import { notesShape } from './node-notes';
import type { PageAccess } from './page-access';
import { ACCESS_MODES } from './page-access';
import type { PageSetup } from './page-setup';
import { asRequest, exists, notFound } from './route';
import type { Route } from './route';

export interface SettingsRouteDeps {
  access: PageAccess;
  page: PageSetup;
  notes: NodeNotesSetup;
  hub: Pick<Hub, 'get'>;
  /** After the page's access changed: guests' live feeds are closed. */
  accessChanged: () => void;
}

const INFO_FIELDS = ['title', 'description', 'links'] as const;

export function settingsRoutes(deps: SettingsRouteDeps): Record<string, Route> {
  const { page, notes } = deps;
  const reply = (): PageModeReply => ({ mode: deps.access.mode(), info: page.view() });
  const node = (path: string) => {
    const id = Number(path.split('/')[4]);
    const record = deps.hub.get(id);
    if (!record) throw notFound(`no node with id ${id}`);
    return record;
  };
  return {
    'GET /api/admin/page': ({ res }) => json(res, 200, reply()),
    'PUT /api/admin/page': async ({ req, res, audit }) => {
      const body = await readBody(req);
      const info = INFO_FIELDS.filter((f) => body[f] !== undefined);
      if (body.mode === undefined && info.length === 0) throw requestFields.bad('mode', 'or one of title, description, links is required');
      const fileSet = page.fromFile().filter((f) => info.includes(f));
      if (fileSet.length)
        throw exists(
          `${fileSet.map((f) => `"${f}"`).join(', ')} ${fileSet.length > 1 ? 'are' : 'is'} set in the config file: change it there`,
        );
      if (info.length) asRequest('page', () => page.set(body));
      const changes: string[] = [...info];
      if (body.mode !== undefined) {
        const password =
          body.password === undefined || body.password === '' ? undefined : requestFields.text(body.password, 'password', 1024);
        await deps.access.set(requestFields.oneOf(body.mode, 'mode', ACCESS_MODES), password);
        deps.accessChanged();
        log.info('page access changed in the admin', { mode: deps.access.mode() });
        changes.unshift(`access ${deps.access.mode()}${password ? ' (new password)' : ''}`);
      }
      audit(`page: ${changes.join(', ')}`);
      json(res, 200, reply());
    },
    'GET /api/admin/nodes/:id/notes': ({ res, path }) => {
      const { name } = node(path);
      const view: NodeNotesView = notes.fromFile(name)
        ? { source: 'file', notes: notesShape(notes.file[name]!) }
        : notes.all()[name]
          ? { source: 'admin', notes: notes.all()[name]! }
          : { source: null, notes: {} };
      json(res, 200, view);
    },
    'PUT /api/admin/nodes/:id/notes': async ({ req, res, path, audit }) => {
      const { name } = node(path);
      if (notes.fromFile(name)) throw exists(`the config file sets "nodes.${name}": change it there`);
      const body = await readBody(req);
      const checked = asRequest('nodes.notes', () => notes.check(body));
      notes.set(name, checked);
      audit(`notes of node "${name}" ${Object.keys(checked).length ? `set (${Object.keys(checked).join(', ')})` : 'cleared'}`);
      json(res, 200, { source: Object.keys(checked).length ? 'admin' : null, notes: checked } satisfies NodeNotesView);
    },
  };
}
