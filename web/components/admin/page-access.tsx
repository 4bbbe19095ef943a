/** @module Who may see the status page: everyone, visitors with a password, or only the admin. */
import { useEffect, useState } from 'preact/hooks';
import type { AccessMode } from '../../state/admin';
import { pageMode, setPageAccess } from '../../state/admin';
import type { StringKey } from '../../lib/i18n';
import { t } from '../../state/lang';
import { inputValue } from './form';

const OPTIONS: [AccessMode, StringKey][] = [
  ['public', 'pagePublic'],
  ['password', 'pagePassword'],
  ['private', 'pagePrivateOption'],
];

export function PageAccessForm() {
  const [mode, setMode] = useState<AccessMode>(pageMode.value);
  const [password, setPassword] = useState('');
  useEffect(() => setMode(pageMode.value), [pageMode.value]);
  return (
    <form
      class="admin-card"
      onSubmit={(e) => (e.preventDefault(), void setPageAccess(mode, password, t('saved')).then((ok) => ok && setPassword('')))}
      data-testid="page-access"
    >
      <h2>{t('whoSeesPage')}</h2>
      <fieldset class="plain">
        <legend class="sr-only">{t('whoSeesPage')}</legend>
        {OPTIONS.map(([value, label]) => (
          <label key={value} class="check">
            <input
              type="radio"
              name="page-mode"
              value={value}
              checked={mode === value}
              onChange={() => setMode(value)}
              data-testid={`mode-${value}`}
            />
            {t(label)}
          </label>
        ))}
      </fieldset>
      {mode === 'password' && (
        <label>
          {t('pagePasswordLabel')}
          <input
            type="password"
            autoComplete="new-password"
            minLength={10}
            value={password}
            onInput={(e) => setPassword(inputValue(e))}
            required={pageMode.value !== 'password'}
            data-testid="page-password-new"
          />
        </label>
      )}
      <button type="submit" class="primary" data-testid="save-page-access">
        {t('save')}
      </button>
    </form>
  );
}
