/** @module Silences made in the admin: the list, a form for a new one (rule, node, hours), and ending them all. */
import { useState } from 'preact/hooks';
import { addSilence, adminAlerts, clearSilences, silences } from '../../state/admin';
import { t } from '../../state/lang';
import { inputValue } from './form';

export function SilencesPanel() {
  const [rule, setRule] = useState('');
  const [node, setNode] = useState('');
  const [hours, setHours] = useState('2');
  const onHours = (e: Event) => setHours(inputValue(e));
  if (!adminAlerts.value) return null;
  return (
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
        <input placeholder={t('rulePlaceholder')} aria-label={t('rulePlaceholder')} value={rule} onInput={(e) => setRule(inputValue(e))} />
        <input placeholder={t('nodePlaceholder')} aria-label={t('nodePlaceholder')} value={node} onInput={(e) => setNode(inputValue(e))} />
        <input type="number" min="1" max="720" aria-label={t('hours')} value={hours} onInput={onHours} size={4} /> {t('hours')}
        <button type="submit">{t('silenceFor')}</button>
        {silences.value.length > 0 && (
          <button type="button" onClick={() => void clearSilences()}>
            {t('clearSilences')}
          </button>
        )}
      </form>
    </section>
  );
}
