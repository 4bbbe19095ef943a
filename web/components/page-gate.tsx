/** @module Shown instead of the overview when the page is private or needs its password. */
import { useState } from 'preact/hooks';
import { t } from '../state/lang';
import { access, accessError, unlockPage } from '../state/access';

export function PageGate({ onUnlock }: { onUnlock: () => void }) {
  const [password, setPassword] = useState('');
  if (access.value?.mode !== 'password') {
    return (
      <main id="main" class="admin">
        <section class="admin-card narrow" data-testid="page-private">
          <h2>{t('pagePrivate')}</h2>
          <p>
            <a href="/admin">{t('signIn')}</a>
          </p>
        </section>
      </main>
    );
  }
  return (
    <main id="main" class="admin">
      <form
        class="admin-card narrow"
        onSubmit={(e) => (e.preventDefault(), void unlockPage(password).then((ok) => ok && onUnlock()))}
        data-testid="page-gate"
      >
        <h2>{t('pageNeedsPassword')}</h2>
        {accessError.value && (
          <p class="notice error" role="alert">
            {accessError.value}
          </p>
        )}
        <label>
          {t('password')}
          <input
            type="password"
            autoComplete="current-password"
            value={password}
            onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
            required
            data-testid="page-password"
          />
        </label>
        <button type="submit" class="primary">
          {t('open')}
        </button>
      </form>
    </main>
  );
}
