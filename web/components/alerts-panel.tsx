/** @module Alerts firing now (and, if the config allows, recent events) above the overview. */
import { t } from '../state/lang';
import { alerts } from '../state/alerts';
import { agoText } from './node-status';

export function AlertsPanel() {
  const { firing, recent } = alerts.value;
  if (firing.length === 0 && recent.length === 0) return null;
  return (
    <section class="alerts" aria-label={t('alertsFiring')} data-testid="alerts">
      {firing.length > 0 && (
        <>
          <h2 class="group">{t('alertsFiring')}</h2>
          <ul>
            {firing.map((a) => (
              <li key={`${a.rule} ${a.nodeId}`} class={`alert ${a.severity}`}>
                <span class="sev">{a.severity}</span> <strong>{a.rule}</strong> · <a href={`#/node/${a.nodeId}`}>{a.node}</a> ·{' '}
                {t('sinceAgo', { ago: agoText(a.since) })}
                {a.silenced && <span class="tag">{t('muted')}</span>}
              </li>
            ))}
          </ul>
        </>
      )}
      {recent.length > 0 && (
        <details>
          <summary>{t('recentAlerts')}</summary>
          <ul>
            {recent.map((e) => (
              <li key={`${e.ts} ${e.rule} ${e.nodeId} ${e.state}`} class={`alert ${e.state === 'firing' ? e.severity : 'ok'}`}>
                <time dateTime={new Date(e.ts).toISOString()}>{new Date(e.ts).toLocaleString()}</time> · {t(e.state)} ·{' '}
                <strong>{e.rule}</strong> · <a href={`#/node/${e.nodeId}`}>{e.node}</a>
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
