/** @module The service checks from the config file, read-only: what each connects to, its state and its last error. */
import { useEffect } from 'preact/hooks';
import { checks, watchChecks } from '../../state/checks';
import { t } from '../../state/lang';

export function ChecksPanel() {
  useEffect(() => watchChecks(), []);
  const list = checks.value;
  return (
    <section class="admin-card" data-testid="admin-checks">
      <h2>{t('services')}</h2>
      {list.length === 0 ? (
        <p class="empty">{t('noChecks')}</p>
      ) : (
        <div class="table-wrap">
          <table class="nodes admin-nodes">
            <thead>
              <tr>
                <th scope="col">{t('name')}</th>
                <th scope="col">{t('checkType')}</th>
                <th scope="col">{t('checkTarget')}</th>
                <th scope="col">{t('checkState')}</th>
                <th scope="col">{t('checkError')}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((c) => (
                <tr key={c.id} data-check={c.name}>
                  <td>
                    {c.name}
                    {c.hidden && ` · ${t('hiddenTag')}`}
                  </td>
                  <td>{c.type}</td>
                  <td>
                    <code>{c.target}</code>
                  </td>
                  <td>{t(c.up === null ? 'checkPending' : c.up ? 'checkUp' : 'checkDown')}</td>
                  <td>{c.error ?? '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
