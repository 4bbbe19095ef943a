/**
 * @module The admin at /admin: sign-in (or first password from the setup link), nodes (add with
 * the key shown once, edit, rotate key, remove), alert rules with test notifications, silences.
 */
import { useEffect, useState } from 'preact/hooks';
import { t } from '../lib/i18n';
import type { AdminNode } from '../state/admin';
import {
  addNode, addSilence, adminAlerts, adminNodes, checkSession, clearSilences, editNode, moveNode, notice, pageMode, removeNode, rotateNodeKey, sendTest, session, setHidden,
  setPageAccess, shownKey, signIn, signOut, silences,
} from '../state/admin';
import type { AccessMode } from '../state/admin';
import { Flag, StatusText } from './node-status';

const value = (e: Event) => (e.target as HTMLInputElement).value;

function SignIn() {
  const setupToken = /^#setup=([A-Za-z0-9_-]+)$/.exec(location.hash)?.[1] ?? null;
  const [password, setPassword] = useState('');
  return (
    <form class="admin-card narrow" onSubmit={(e) => (e.preventDefault(), void signIn(password, setupToken))}>
      <h2>{setupToken ? t('chooseOwnPassword') : t('signIn')}</h2>
      <label>
        {t('password')}
        <input type="password" autoComplete={setupToken ? 'new-password' : 'current-password'} value={password} onInput={(e) => setPassword(value(e))} required minLength={setupToken ? 10 : 1} data-testid="password" />
      </label>
      <button type="submit" class="primary" data-testid="sign-in">
        {setupToken ? t('setPassword') : t('signIn')}
      </button>
    </form>
  );
}

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

function KeyOnce() {
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

function AddNode() {
  const [name, setName] = useState('');
  const [group, setGroup] = useState('');
  const [cc, setCc] = useState('');
  return (
    <form class="inline-form" onSubmit={(e) => (e.preventDefault(), void addNode(name, group, cc).then((ok) => ok && (setName(''), setGroup(''), setCc(''))))}>
      <input placeholder={t('name')} aria-label={t('name')} value={name} onInput={(e) => setName(value(e))} required data-testid="new-node-name" />
      <input placeholder={t('group')} aria-label={t('group')} value={group} onInput={(e) => setGroup(value(e))} />
      <input placeholder={t('location')} aria-label={t('location')} value={cc} onInput={(e) => setCc(value(e))} maxLength={2} size={4} />
      <button type="submit" class="primary">
        {t('add')}
      </button>
    </form>
  );
}

function NodeRow({ node, first, last }: { node: AdminNode; first: boolean; last: boolean }) {
  const edit = () => {
    const answer = prompt(t('newName'), [node.name, node.group, node.location].join(', '));
    if (answer === null) return;
    const [name = '', group = '', location = ''] = answer.split(',').map((x) => x.trim());
    void editNode(node.id, { name, group, location });
  };
  return (
    <tr data-node={node.name}>
      <th scope="row">
        <Flag code={node.location} /> {node.name} {node.hidden && <span class="tag">{t('hiddenTag')}</span>}{' '}
        {node.metricNames.refusedNames > 0 && (
          <span class="tag" title={t('metricNamesFullHint', { refused: node.metricNames.refusedNames, example: node.metricNames.examples[0] ?? '', limit: node.metricNames.limit })} data-testid={`names-full-${node.name}`}>
            {t('metricNamesFull', { names: node.metricNames.names })}
          </span>
        )}
      </th>
      <td>{node.group || '–'}</td>
      <td>
        <StatusText node={node} />
      </td>
      <td>
        <label class="check">
          <input type="checkbox" checked={node.hidden} onChange={(e) => void setHidden(node, (e.target as HTMLInputElement).checked)} data-testid={`hide-${node.name}`} />
          {t('hideFromGuests')}
        </label>
      </td>
      <td class="actions">
        <button type="button" class="icon" disabled={first} onClick={() => void moveNode(node, -1)} aria-label={t('moveUp', { name: node.name })} data-testid={`up-${node.name}`}>
          ↑
        </button>
        <button type="button" class="icon" disabled={last} onClick={() => void moveNode(node, 1)} aria-label={t('moveDown', { name: node.name })}>
          ↓
        </button>
        <button type="button" onClick={edit}>
          {t('rename')}
        </button>
        <button type="button" onClick={() => confirm(t('confirmRotate', { name: node.name })) && void rotateNodeKey(node)} data-testid={`rotate-${node.name}`}>
          {t('rotateKey')}
        </button>
        <button type="button" class="danger" onClick={() => {
          const typed = prompt(t('confirmRemove'));
          if (typed !== null) void removeNode(node, typed);
        }}>
          {t('remove')}
        </button>
      </td>
    </tr>
  );
}

function PageAccessForm() {
  const [mode, setMode] = useState<AccessMode>(pageMode.value);
  const [password, setPassword] = useState('');
  useEffect(() => setMode(pageMode.value), [pageMode.value]);
  const options: [AccessMode, Parameters<typeof t>[0]][] = [
    ['public', 'pagePublic'],
    ['password', 'pagePassword'],
    ['private', 'pagePrivateOption'],
  ];
  return (
    <form class="admin-card" onSubmit={(e) => (e.preventDefault(), void setPageAccess(mode, password, t('saved')).then((ok) => ok && setPassword('')))} data-testid="page-access">
      <h2>{t('whoSeesPage')}</h2>
      <fieldset class="plain">
        <legend class="sr-only">{t('whoSeesPage')}</legend>
        {options.map(([value, label]) => (
          <label key={value} class="check">
            <input type="radio" name="page-mode" value={value} checked={mode === value} onChange={() => setMode(value)} data-testid={`mode-${value}`} />
            {t(label)}
          </label>
        ))}
      </fieldset>
      {mode === 'password' && (
        <label>
          {t('pagePasswordLabel')}
          <input type="password" autoComplete="new-password" minLength={10} value={password} onInput={(e) => setPassword(value(e))} required={pageMode.value !== 'password'} data-testid="page-password-new" />
        </label>
      )}
      <button type="submit" class="primary" data-testid="save-page-access">
        {t('save')}
      </button>
    </form>
  );
}

function Alerts() {
  const alerts = adminAlerts.value;
  const [rule, setRule] = useState('');
  const [node, setNode] = useState('');
  const [hours, setHours] = useState('2');
  if (!alerts) return null;
  return (
    <>
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
      <section class="admin-card">
        <h2>{t('silences')}</h2>
        <ul class="plain">
          {silences.value.map((s) => (
            <li key={`${s.rule} ${s.node} ${s.until}`}>
              {s.rule ?? '*'} · {s.node ?? '*'} · {t('until', { t: new Date(s.until).toLocaleString() })} {s.reason}
            </li>
          ))}
        </ul>
        <form class="inline-form" onSubmit={(e) => (e.preventDefault(), void addSilence(rule, node, Number(hours)))}>
          <input placeholder={t('rulePlaceholder')} aria-label={t('rulePlaceholder')} value={rule} onInput={(e) => setRule(value(e))} />
          <input placeholder={t('nodePlaceholder')} aria-label={t('nodePlaceholder')} value={node} onInput={(e) => setNode(value(e))} />
          <input type="number" min="1" max="720" aria-label={t('hours')} value={hours} onInput={(e) => setHours(value(e))} size={4} /> {t('hours')}
          <button type="submit">{t('silenceFor')}</button>
          {silences.value.length > 0 && (
            <button type="button" onClick={() => void clearSilences()}>
              {t('clearSilences')}
            </button>
          )}
        </form>
      </section>
    </>
  );
}

export function Admin() {
  useEffect(() => void checkSession(), []);
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
      {message && (
        <p class={`notice ${message.kind}`} role={message.kind === 'error' ? 'alert' : 'status'} data-testid="notice">
          {message.text}
        </p>
      )}
      {state === 'signed-out' && <SignIn />}
      {state === 'signed-in' && (
        <>
          <KeyOnce />
          <section class="admin-card">
            <h2>{t('addNode')}</h2>
            <AddNode />
            <div class="table-wrap">
              <table class="nodes admin-nodes">
                <thead>
                  <tr>
                    <th scope="col">{t('name')}</th>
                    <th scope="col">{t('group')}</th>
                    <th scope="col">{t('status')}</th>
                    <th scope="col">{t('visibility')}</th>
                    <th scope="col">{t('actions')}</th>
                  </tr>
                </thead>
                <tbody>
                  {adminNodes.value.map((n, i, all) => (
                    <NodeRow key={n.id} node={n} first={i === 0} last={i === all.length - 1} />
                  ))}
                </tbody>
              </table>
            </div>
          </section>
          <PageAccessForm />
          <Alerts />
        </>
      )}
    </main>
  );
}
