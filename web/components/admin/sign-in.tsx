/** @module The admin's sign-in, or the first password when opened from the setup link. */
import { useState } from 'preact/hooks';
import { signIn } from '../../state/admin';
import { t } from '../../state/lang';
import { inputValue } from './form';

export function SignIn() {
  const setupToken = /^#setup=([A-Za-z0-9_-]+)$/.exec(location.hash)?.[1] ?? null;
  const [password, setPassword] = useState('');
  return (
    <form class="admin-card narrow" onSubmit={(e) => (e.preventDefault(), void signIn(password, setupToken))}>
      <h2>{setupToken ? t('chooseOwnPassword') : t('signIn')}</h2>
      <label>
        {t('password')}
        <input type="password" autoComplete={setupToken ? 'new-password' : 'current-password'} value={password} onInput={(e) => setPassword(inputValue(e))} required minLength={setupToken ? 10 : 1} data-testid="password" />
      </label>
      <button type="submit" class="primary" data-testid="sign-in">
        {setupToken ? t('setPassword') : t('signIn')}
      </button>
    </form>
  );
}
