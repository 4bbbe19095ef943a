/**
 * @module The node fields form: name, group and country code, each in its own input. Adds a node
 * (empty, in a row above the list) or edits one (filled, in place of its row).
 */
import { useState } from 'preact/hooks';
import { t } from '../../state/lang';
import { inputValue } from './form';

export interface NodeFields {
  name: string;
  group: string;
  location: string;
}

const EMPTY: NodeFields = { name: '', group: '', location: '' };

interface Props {
  initial?: NodeFields;
  submitLabel: string;
  /** Resolves true when saved: an add form then empties itself. */
  onSubmit: (fields: NodeFields) => Promise<boolean>;
  onCancel?: () => void;
  testId?: string;
}

export function NodeForm({ initial = EMPTY, submitLabel, onSubmit, onCancel, testId }: Props) {
  const [fields, setFields] = useState(initial);
  const input = (key: keyof NodeFields) => (e: Event) => setFields({ ...fields, [key]: inputValue(e) });
  const submit = (e: Event) => {
    e.preventDefault();
    void onSubmit({ ...fields, name: fields.name.trim(), group: fields.group.trim(), location: fields.location.trim() }).then(
      (ok) => ok && !onCancel && setFields(EMPTY),
    );
  };
  return (
    <form class="inline-form" onSubmit={submit} data-testid={testId}>
      <input
        placeholder={t('name')}
        aria-label={t('name')}
        value={fields.name}
        onInput={input('name')}
        required
        data-testid={testId ? `${testId}-name` : 'new-node-name'}
      />
      <input
        placeholder={t('group')}
        aria-label={t('group')}
        value={fields.group}
        onInput={input('group')}
        data-testid={testId ? `${testId}-group` : undefined}
      />
      <input
        placeholder={t('location')}
        aria-label={t('location')}
        value={fields.location}
        onInput={input('location')}
        maxLength={2}
        size={4}
        data-testid={testId ? `${testId}-location` : undefined}
      />
      <button type="submit" class="primary">
        {submitLabel}
      </button>
      {onCancel && (
        <button type="button" onClick={onCancel}>
          {t('cancel')}
        </button>
      )}
    </form>
  );
}
