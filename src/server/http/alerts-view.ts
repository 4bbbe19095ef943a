/**
 * @module GET /api/alerts: what a viewer may see of alerts. Guests see nothing of hidden nodes,
 * and only as much as page.alerts allows (none, firing now, or also recent events).
 */
import type { FiringAlert } from '../../alerts/engine';
import type { AlertsView, AlertsVisibility } from '../../protocol/messages';
import type { AlertEventRecord } from '../../store/store';
import type { Audience, Hub } from '../fleet/hub';

const RECENT = 50;

export function alertsView(
  firing: readonly FiringAlert[],
  events: (limit: number) => AlertEventRecord[],
  hub: Hub,
  visibility: AlertsVisibility,
  audience: Audience,
): AlertsView {
  const name = (id: number) => hub.get(id)?.name ?? '';
  const visible = (id: number) => hub.visibleTo(id, audience);
  const view: AlertsView = { firing: [], recent: [] };
  if (visibility === 'none' && audience === 'guest') return view;
  view.firing = firing.filter((a) => visible(a.nodeId)).map((a) => ({ ...a, node: name(a.nodeId) }));
  if (visibility === 'all' || audience === 'admin') {
    view.recent = events(RECENT * 2)
      .filter((e) => visible(e.nodeId))
      .slice(0, RECENT)
      .map((e) => ({
        ts: e.ts,
        rule: e.rule,
        node: name(e.nodeId),
        nodeId: e.nodeId,
        state: e.state,
        severity: e.severity,
        value: e.value,
        text: e.text,
      }));
  }
  return view;
}
