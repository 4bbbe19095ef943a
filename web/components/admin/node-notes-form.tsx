/**
 * @module A node's notes (price, billing cycle, expiry, traffic limit and reset day, a note), in
 * place of its row; read-only when the config file has an entry for the node.
 */
import { useEffect, useState } from 'preact/hooks';
import type { NodeNotesView } from '../../../src/protocol/admin';
import type { AdminNode } from '../../state/admin';
import { loadNotes, saveNotes } from '../../state/admin-settings';
import { t } from '../../state/lang';
import { inputValue } from './form';

const FIELDS = [
  { name: 'price', type: 'text', hint: '$5/mo' },
  { name: 'billing', type: 'text', hint: 'monthly' },
  { name: 'expires', type: 'date', hint: '' },
  { name: 'trafficLimit', type: 'text', hint: '1TB' },
  { name: 'trafficResetDay', type: 'number', hint: '1' },
  { name: 'note', type: 'text', hint: '' },
] as const;

export function NodeNotesForm({ node, onDone }: { node: AdminNode; onDone: () => void }) {
  const [view, setView] = useState<NodeNotesView | null>(null);
  const [values, setValues] = useState<Record<string, string>>({});
  useEffect(() => {
    void loadNotes(node.id).then((v) => {
      setView(v);
      setValues(Object.fromEntries(Object.entries(v.notes).map(([k, x]) => [k, String(x)])));
    });
  }, [node.id]);
  if (!view) return null;
  const readOnly = view.source === 'file';
  const submit = (e: Event) => {
    e.preventDefault();
    const notes: Record<string, unknown> = {};
    for (const f of FIELDS) {
      const v = values[f.name]?.trim();
      if (v) notes[f.name] = f.type === 'number' || (f.name === 'trafficLimit' && /^\d+$/.test(v)) ? Number(v) : v;
    }
    void saveNotes(node.id, notes, t('saved')).then((ok) => ok && onDone());
  };
  return (
    <form class="rule-form" onSubmit={submit} data-testid={`notes-form-${node.name}`}>
      {readOnly && (
        <p class="wide">
          <span class="tag">{t('fromFile')}</span>
        </p>
      )}
      {FIELDS.map((f) => (
        <label key={f.name}>
          {f.name}
          <input
            type={f.type}
            value={values[f.name] ?? ''}
            placeholder={f.hint}
            readOnly={readOnly}
            onInput={(e) => setValues({ ...values, [f.name]: inputValue(e) })}
            data-testid={`notes-${f.name}`}
          />
        </label>
      ))}
      <div class="inline-form">
        {!readOnly && (
          <button type="submit" class="primary" data-testid="notes-save">
            {t('save')}
          </button>
        )}
        <button type="button" onClick={onDone}>
          {t('cancel')}
        </button>
      </div>
    </form>
  );
}
