/**
 * @module The admin's sign-in (with a code from the authenticator app once the server asks for
 * one), or the first password when opened from the setup link.
 */
import { useState } from 'preact/hooks';
import { codeNeeded, signIn } from '../../state/admin';
import { t } from '../../state/lang';
import { inputValue } from './form';

export function SignIn() {
  const setupToken = /^#setup=([A-Za-z0-9_-]+)$/.exec(location.hash)?.[1] ?? null;
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  return (
    <form
      class="admin-card narrow"
      onSubmit={(e) => (e.preventDefault(), void signIn(password, setupToken, code).then((ok) => ok || setCode('')))}
    >
      <h2>{setupToken ? t('chooseOwnPassword') : t('signIn')}</h2>
      <label>
        {t('password')}
        <input
          type="password"
          autoComplete={setupToken ? 'new-password' : 'current-password'}
          value={password}
          onInput={(e) => setPassword(inputValue(e))}
          required
          minLength={setupToken ? 10 : 1}
          data-testid="password"
        />
      </label>
      {codeNeeded.value && (
        <label>
          {t('totpCode')}
          <input
            inputMode="numeric"
            autoComplete="one-time-code"
            value={code}
            onInput={(e) => setCode(inputValue(e))}
            required
            data-testid="totp-code"
          />
        </label>
      )}
      <button type="submit" class="primary" data-testid="sign-in">
        {setupToken ? t('setPassword') : t('signIn')}
      </button>
    </form>
  );
}
