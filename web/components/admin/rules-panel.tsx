/** @module The alert rules from the config file, and its channels with a test message each. */
import { adminAlerts, sendTest } from '../../state/admin';
import { t } from '../../state/lang';

export function RulesPanel() {
  const alerts = adminAlerts.value;
  if (!alerts) return null;
  return (
    <section class="admin-card">
      <h2>{t('rules')}</h2>
      {alerts.rules.length === 0 ? <p class="empty">{t('noRules')}</p> : (
        <ul class="plain">
          {alerts.rules.map((r) => (
            <li key={r.name}>
              <strong>{r.name}</strong> · {r.kind} · {r.severity} → {r.notify.join(', ') || '–'}
            </li>
          ))}
        </ul>
      )}
      <h3>{t('channels')}</h3>
      <ul class="plain">
        {alerts.channels.map((c) => (
          <li key={c}>
            {c}{' '}
            <button type="button" onClick={() => void sendTest(c, `${t('sent')}: ${c}`)}>
              {t('sendTest')}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
