/** @module A new or re-keyed node's key, shown once, in the install and agent commands to copy. */
import { useState } from 'preact/hooks';
import { shownKey } from '../../state/admin';
import { t } from '../../state/lang';

function Copyable({ text, testId }: { text: string; testId: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div class="copyable">
      <pre data-testid={testId}>{text}</pre>
      <button type="button" onClick={() => void navigator.clipboard?.writeText(text).then(() => setCopied(true))}>
        {copied ? t('copied') : t('copy')}
      </button>
    </div>
  );
}

export function KeyOnce() {
  const shown = shownKey.value;
  if (!shown) return null;
  return (
    <div class="admin-card key-once" role="status">
      <p>
        <strong>{shown.name}</strong> — {t('keyOnce')}
      </p>
      <p>{t('installLine')}</p>
      <Copyable key={shown.install} text={shown.install} testId="install-command" />
      <p>{t('installWindows')}</p>
      <Copyable key={shown.installWindows} text={shown.installWindows} testId="install-windows-command" />
      <p>{t('orRunAgent')}</p>
      <Copyable key={shown.command} text={shown.command} testId="agent-command" />
    </div>
  );
}
