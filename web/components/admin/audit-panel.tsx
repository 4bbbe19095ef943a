/** @module The audit log: the newest admin changes, when and from which address. */
import { auditLog } from '../../state/admin-setup';
import { t } from '../../state/lang';

export function AuditPanel() {
  const entries = auditLog.value;
  return (
    <section class="admin-card" data-testid="audit-panel">
      <h2>{t('auditLog')}</h2>
      {entries.length === 0 ? (
        <p class="empty">{t('noChanges')}</p>
      ) : (
        <ul class="plain">
          {entries.map((e, i) => (
            <li key={i}>
              <time dateTime={new Date(e.ts).toISOString()}>{new Date(e.ts).toLocaleString()}</time> · {e.address} · {e.action}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
