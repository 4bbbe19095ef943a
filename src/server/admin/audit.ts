/**
 * @module The audit log of admin changes: every state-changing admin request that succeeded, with
 * what it changed (the route's words, or its method and path), when, and from which address.
 * The newest AUDIT_KEEP entries are kept.
 */
import type { AuditEntry } from '../../protocol/admin';
import { AUDIT_KEEP } from '../../store/store';
import type { SettingsStore } from '../../store/store';
import { requestFields } from '../../util/fields';
import { json } from '../net/http-body';
import type { Route } from './route';

export { AUDIT_KEEP };

export function auditRoutes(store: Pick<SettingsStore, 'auditLog'>): Record<string, Route> {
  return {
    'GET /api/admin/audit': ({ req, res }) => {
      const limit = new URL(req.url ?? '', 'http://x').searchParams.get('limit');
      const n = limit === null ? 200 : requestFields.integer(Number(limit), 'limit', 1, AUDIT_KEEP);
      json(res, 200, store.auditLog(n) satisfies AuditEntry[]);
    },
  };
}
