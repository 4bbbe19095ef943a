/**
 * @module The admin's second factor: turn TOTP on (the otpauth:// link and the secret to add to
 * an authenticator app, then its first code; the recovery codes are shown once) or off (with a
 * current code or a recovery code).
 */
import { useState } from 'preact/hooks';
import {
  beginSecondFactor,
  confirmSecondFactor,
  disableSecondFactor,
  pendingSetup,
  recoveryCodes,
  secondFactor,
} from '../../state/admin-2fa';
import { t } from '../../state/lang';
import { inputValue } from './form';

function CodeForm({ label, onSubmit, testId }: { label: string; onSubmit: (code: string) => Promise<boolean>; testId: string }) {
  const [code, setCode] = useState('');
  return (
    <form class="inline-form" onSubmit={(e) => (e.preventDefault(), void onSubmit(code.trim()).then((ok) => ok && setCode('')))}>
      <input
        inputMode="numeric"
        autoComplete="one-time-code"
        aria-label={t('totpCode')}
        placeholder={t('totpCode')}
        value={code}
        onInput={(e) => setCode(inputValue(e))}
        required
        data-testid={`${testId}-code`}
      />
      <button type="submit" class="primary" data-testid={testId}>
        {label}
      </button>
    </form>
  );
}

export function SecondFactorPanel() {
  const state = secondFactor.value;
  const setup = pendingSetup.value;
  const codes = recoveryCodes.value;
  if (!state) return null;
  return (
    <section class="admin-card" data-testid="second-factor">
      <h2>{t('secondFactor')}</h2>
      {codes && (
        <div class="notice ok">
          <p>{t('recoveryCodesOnce')}</p>
          <pre data-testid="recovery-codes">{codes.join('\n')}</pre>
        </div>
      )}
      {state.enabled ? (
        <>
          <p>{t('secondFactorOn', { n: state.recoveryLeft })}</p>
          <CodeForm label={t('turnOff')} onSubmit={(code) => disableSecondFactor(code, t('saved'))} testId="totp-disable" />
        </>
      ) : setup ? (
        <>
          <p>{t('secondFactorScan')}</p>
          <p>
            <a href={setup.uri} data-testid="otpauth-uri">
              {setup.uri}
            </a>
          </p>
          <p>
            {t('secondFactorSecret')} <code data-testid="totp-secret">{setup.secret}</code>
          </p>
          <CodeForm label={t('confirm')} onSubmit={(code) => confirmSecondFactor(code, t('saved'))} testId="totp-confirm" />
        </>
      ) : (
        <>
          <p>{t('secondFactorOff')}</p>
          <button type="button" onClick={() => void beginSecondFactor()} data-testid="totp-begin">
            {t('turnOn')}
          </button>
        </>
      )}
    </section>
  );
}
