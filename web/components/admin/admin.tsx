/**
 * @module The admin at /admin: sign-in (or first password from the setup link), then one panel
 * per concern in this folder: nodes, the key shown once, page access, the page's title and links, channels, alert rules,
 * silences, service checks, the second factor, the audit log.
 */
import { useEffect } from 'preact/hooks';
import { checkSession, notice, session, signOut } from '../../state/admin';
import { t } from '../../state/lang';
import { ChecksPanel } from './checks-panel';
import { KeyOnce } from './key-once';
import { NodesPanel } from './nodes-panel';
import { PageAccessForm } from './page-access';
import { PageInfoForm } from './page-info-form';
import { AuditPanel } from './audit-panel';
import { ChannelsPanel } from './channels-panel';
import { RulesPanel } from './rules-panel';
import { SecondFactorPanel } from './second-factor-panel';
import { SignIn } from './sign-in';
import { SilencesPanel } from './silences-panel';
import { health, watchHealth } from '../../state/server-health';
import { formatDuration, secondsSince } from '../../lib/format';

/** Shown while the server cannot store samples: agents hold them, nothing is lost yet. */
function StorageBanner() {
  const h = health.value;
  if (h?.status !== 'degraded') return null;
  const since = h.since === undefined ? '–' : formatDuration(secondsSince(h.since, Date.now()));
  return (
    <p class="notice error" role="alert" data-testid="not-storing">
      {t('notStoring', { reason: h.reason ?? '', since })}
    </p>
  );
}

/** Shown while the server's time is ahead of its system clock, easing back after the clock went back. */
function ServerClockNotice() {
  const h = health.value;
  if (!h?.clockAheadMs) return null;
  const by = formatDuration(Math.abs(h.clockStepMs ?? h.clockAheadMs) / 1000);
  return (
    <p class="notice warn" role="status" data-testid="server-clock">
      {t('serverClockStepped', { by, ahead: formatDuration(h.clockAheadMs / 1000) })}
    </p>
  );
}

export function Admin() {
  useEffect(() => void checkSession(), []);
  useEffect(() => watchHealth(), []);
  const state = session.value;
  const message = notice.value;
  return (
    <main id="main" class="admin">
      <header class="admin-head">
        <h2>{t('adminTitle')}</h2>
        {state === 'signed-in' && (
          <button type="button" onClick={() => void signOut()}>
            {t('signOut')}
          </button>
        )}
      </header>
      {state === 'signed-in' && <StorageBanner />}
      {state === 'signed-in' && <ServerClockNotice />}
      {message && (
        <p class={`notice ${message.kind}`} role={message.kind === 'error' ? 'alert' : 'status'} data-testid="notice">
          {message.text}
        </p>
      )}
      {state === 'signed-out' && <SignIn />}
      {state === 'signed-in' && (
        <>
          <KeyOnce />
          <NodesPanel />
          <PageAccessForm />
          <PageInfoForm />
          <ChannelsPanel />
          <RulesPanel />
          <SilencesPanel />
          <ChecksPanel />
          <SecondFactorPanel />
          <AuditPanel />
        </>
      )}
    </main>
  );
}
