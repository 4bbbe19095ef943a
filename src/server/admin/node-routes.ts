/**
 * @module /api/admin/nodes and /api/admin/order: the admin's nodes (list, add, edit, order, rotate
 * a key, remove), with the agent's install commands for each new key.
 */
import type { IncomingMessage } from 'node:http';
import type { AddedNodeReply, NodeKeyReply, OkReply } from '../../protocol/admin';
import type { AdminNodeView, MetricNamesView } from '../../protocol/messages';
import type { Store } from '../../store/store';
import { requestFields } from '../../util/fields';
import { log } from '../../util/log';
import type { Hub } from '../fleet/hub';
import { addNodeVia, commandsFor, rotateKeyVia, validateNodeFields } from '../fleet/nodes';
import type { NodeWriter } from '../fleet/nodes';
import { HttpError, json, readBody } from '../net/http-body';
import type { OwnHosts } from '../net/own-hosts';
import type { NodeNotesSetup } from './node-notes';
import type { Route } from './route';

export interface NodeRouteDeps {
  store: Store;
  /** Where node changes go: the cluster's registry (store.postgres), else `store`. */
  registry?: NodeWriter | null;
  hub: Pick<Hub, 'views' | 'isHidden' | 'get' | 'clockOffset'>;
  /** Per-node notes: they follow a node's rename. */
  notes: Pick<NodeNotesSetup, 'rename'>;
  /** After nodes changed: sync the hub, drop agents of removed or re-keyed nodes. */
  nodesChanged: () => void;
  /** This server's address for the install commands (server.publicUrl, or a Host known to be ours). */
  hosts: Pick<OwnHosts, 'base'>;
  /** Whether the request came over HTTPS (directly or through a trusted proxy). */
  secure: (req: IncomingMessage) => boolean;
  /** The node's budget of metric names and what it refused. */
  metricNames: (nodeId: number) => MetricNamesView;
  now: () => number;
}

const { text } = requestFields;
/** Strings are bounded by the body's 16 KiB; what each may hold is checked where it is used (validateNodeFields). */
const ANY = 16 * 1024;
const OK: OkReply = { ok: true };

/**
 * `probe agent …` and the one-line install for a key, at the address the admin reached us at (or
 * server.publicUrl). Asked for before the key is made: an address refused refuses the request.
 */
function commands(deps: NodeRouteDeps, req: IncomingMessage): (key: string) => NodeKeyReply {
  const base = deps.hosts.base(req, deps.secure(req), true);
  return (key) => {
    const { agent, install, installWindows } = commandsFor(base, key);
    return { key, command: agent, install, installWindows };
  };
}

function nodeOf(deps: NodeRouteDeps, path: string) {
  const match = /^\/api\/admin\/nodes\/(\d{1,12})(\/rotate-key)?$/.exec(path);
  const record = deps.hub.get(match ? Number(match[1]) : NaN);
  if (!record) throw new HttpError(404, 'PROBE_ERR_NOT_FOUND', `no node with id ${match?.[1] ?? '?'}`);
  return record;
}

/** A node's name, group, location, hiding and position; a name change carries its notes along. */
function editNode(deps: NodeRouteDeps): Route {
  const writer = deps.registry ?? deps.store;
  return async ({ req, res, path, audit }) => {
    const record = nodeOf(deps, path);
    const body = await readBody(req);
    const hidden = 'hidden' in body ? body.hidden : record.hidden;
    if (hidden !== null && typeof hidden !== 'boolean')
      throw requestFields.bad('hidden', 'must be true, false, or null to follow the config file');
    const fields = {
      name: text(body.name ?? record.name, 'name', ANY),
      group: text(body.group ?? record.group, 'group', ANY),
      location: text(body.location ?? record.location, 'location', ANY).toUpperCase(),
      hidden,
      position: requestFields.integer(body.position ?? undefined, 'position', -1e9, 1e9, record.position),
    };
    validateNodeFields(fields.name, fields.group, fields.location);
    await writer.updateNode(record.id, fields);
    deps.notes.rename(record.name, fields.name);
    deps.nodesChanged();
    const renamed = fields.name !== record.name ? ` and renamed "${fields.name}"` : '';
    const hiding = 'hidden' in body ? ` (${hidden === null ? 'hiding as in the config file' : hidden ? 'hidden' : 'shown'})` : '';
    audit(`node "${record.name}" changed${renamed}${hiding}`);
    json(res, 200, OK);
  };
}

/** Nodes: list, add, edit, order, rotate a key, remove. */
export function nodeRoutes(deps: NodeRouteDeps): Record<string, Route> {
  const { store, hub } = deps;
  const writer = deps.registry ?? store;
  return {
    'GET /api/admin/nodes': ({ res }) =>
      json(
        res,
        200,
        hub.views('admin').map(
          (v): AdminNodeView => ({
            ...v,
            hidden: hub.isHidden(v.id),
            hiddenSetting: hub.get(v.id)?.hidden ?? null,
            metricNames: deps.metricNames(v.id),
            clockOffsetMs: hub.clockOffset(v.id),
          }),
        ),
      ),
    'POST /api/admin/nodes': async ({ req, res, audit }) => {
      const body = await readBody(req);
      const commandsWith = commands(deps, req);
      const { node, key } = await addNodeVia(
        writer,
        text(body.name, 'name', ANY),
        text(body.group ?? '', 'group', ANY),
        text(body.location ?? '', 'location', ANY),
        deps.now(),
      );
      deps.nodesChanged();
      log.info('node added in the admin', { node: node.name });
      audit(`node "${node.name}" added`);
      json(res, 201, { id: node.id, name: node.name, ...commandsWith(key) } satisfies AddedNodeReply);
    },
    'PATCH /api/admin/nodes/:id': editNode(deps),
    'PUT /api/admin/order': async ({ req, res, audit }) => {
      // The page order in one request: positions follow the list; nodes left out go last.
      const ids = (await readBody(req)).ids;
      if (!Array.isArray(ids) || ids.length > 100_000 || !ids.every((id) => Number.isSafeInteger(id)))
        throw requestFields.bad('ids', 'must be a list of node ids');
      const place = new Map((ids as number[]).map((id, i) => [id, i + 1]));
      for (const record of store.listNodes()) {
        const position = place.get(record.id) ?? ids.length + 1;
        if (position !== record.position) await writer.updateNode(record.id, { ...record, position });
      }
      deps.nodesChanged();
      audit('node order changed');
      json(res, 200, OK);
    },
    'POST /api/admin/nodes/:id/rotate-key': async ({ req, res, path, audit }) => {
      const record = nodeOf(deps, path);
      const commandsWith = commands(deps, req);
      const key = await rotateKeyVia(writer, record.name);
      deps.nodesChanged();
      log.info('node key rotated in the admin', { node: record.name });
      audit(`key of node "${record.name}" rotated`);
      json(res, 200, commandsWith(key) satisfies NodeKeyReply);
    },
    'DELETE /api/admin/nodes/:id': async ({ req, res, path, audit }) => {
      const record = nodeOf(deps, path);
      // The name, typed again, is the confirmation that history goes too.
      if (new URL(req.url ?? '', 'http://x').searchParams.get('confirm') !== record.name) {
        throw requestFields.bad('confirm', `must repeat the node's name to remove "${record.name}" and its history`);
      }
      await writer.removeNode(record.name);
      deps.nodesChanged();
      log.info('node removed in the admin', { node: record.name });
      audit(`node "${record.name}" removed with its history`);
      json(res, 200, OK);
    },
  };
}
