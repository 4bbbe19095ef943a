/**
 * @module The form of one notification channel, generated from its type's field description:
 * secrets are password inputs that show only whether a value is set (left empty on an edit, the
 * stored value stays); lists are comma-separated, headers one "Name: value" per line.
 */
import { useState } from 'preact/hooks';
import type { ChannelFieldSpec, ChannelView } from '../../../src/protocol/admin';
import { channelsView } from '../../state/admin-setup';
import { t } from '../../state/lang';
import { inputValue } from './form';

type Values = Record<string, string | boolean>;

/** A stored config value as the form's text (or checkbox). */
function toForm(field: ChannelFieldSpec, value: unknown): string | boolean {
  if (field.kind === 'bool') return typeof value === 'boolean' ? value : field.hint === 'true';
  if (value === undefined || value === null) return '';
  if (field.kind === 'list') return Array.isArray(value) ? value.join(', ') : String(value);
  if (field.kind === 'headers')
    return Object.entries(value as Record<string, string>)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n');
  return String(value);
}

/** The form's text as a config value; undefined leaves the field out. */
function fromForm(field: ChannelFieldSpec, value: string | boolean): unknown {
  if (typeof value === 'boolean') return value;
  if (value.trim() === '') return undefined;
  if (field.kind === 'number') return Number(value);
  if (field.kind === 'list')
    return value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  if (field.kind === 'headers') {
    const headers: Record<string, string> = {};
    for (const line of value.split('\n')) {
      const at = line.indexOf(':');
      if (at > 0) headers[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    return headers;
  }
  return value;
}

function Input({
  field,
  value,
  isSet,
  onChange,
}: {
  field: ChannelFieldSpec;
  value: string | boolean;
  isSet: boolean;
  onChange: (v: string | boolean) => void;
}) {
  const id = `channel-field-${field.name}`;
  const label = `${field.name}${field.required ? ' *' : ''}`;
  if (field.kind === 'bool') {
    return (
      <label class="check">
        <input
          type="checkbox"
          checked={value === true}
          onChange={(e) => onChange((e.target as HTMLInputElement).checked)}
          data-testid={id}
        />
        {field.name}
      </label>
    );
  }
  const placeholder = field.secret && isSet ? t('secretSet') : (field.hint ?? '');
  if (field.kind === 'headers' || field.kind === 'longtext') {
    return (
      <label class="wide">
        {label}
        <textarea
          rows={3}
          value={String(value)}
          placeholder={placeholder || (field.kind === 'headers' ? 'Authorization: Bearer …' : '')}
          onInput={(e) => onChange(inputValue(e))}
          data-testid={id}
        />
      </label>
    );
  }
  return (
    <label>
      {label}
      <input
        type={field.secret ? 'password' : 'text'}
        autoComplete={field.secret ? 'new-password' : 'off'}
        value={String(value)}
        placeholder={placeholder}
        onInput={(e) => onChange(inputValue(e))}
        data-testid={id}
      />
    </label>
  );
}

interface Props {
  /** The channel to edit; null for a new one. */
  editing: ChannelView | null;
  onSave: (name: string, config: Record<string, unknown>) => Promise<boolean>;
  onCancel: () => void;
}

export function ChannelForm({ editing, onSave, onCancel }: Props) {
  const types = channelsView.value?.types ?? {};
  const [name, setName] = useState(editing?.name ?? '');
  const [type, setType] = useState(editing?.type ?? 'webhook');
  const fields = types[type] ?? [];
  const initial = (ty: string): Values =>
    Object.fromEntries(
      (types[ty] ?? []).map((f) => [f.name, toForm(f, f.secret ? undefined : editing?.type === ty ? editing.config[f.name] : undefined)]),
    );
  const [values, setValues] = useState<Values>(initial(type));
  const submit = (e: Event) => {
    e.preventDefault();
    const config: Record<string, unknown> = { type };
    for (const f of fields) {
      const v = fromForm(f, values[f.name] ?? '');
      if (v !== undefined) config[f.name] = v;
    }
    void onSave(name.trim(), config);
  };
  return (
    <form class="rule-form" onSubmit={submit} data-testid="channel-form">
      <label>
        {t('name')}
        <input value={name} onInput={(e) => setName(inputValue(e))} required readOnly={editing !== null} data-testid="channel-name" />
      </label>
      <label>
        type
        <select value={type} onChange={(e) => (setType(inputValue(e)), setValues(initial(inputValue(e))))} data-testid="channel-type">
          {Object.keys(types).map((ty) => (
            <option key={ty} value={ty}>
              {ty}
            </option>
          ))}
        </select>
      </label>
      {fields.map((f) => (
        <Input
          key={`${type}.${f.name}`}
          field={f}
          value={values[f.name] ?? ''}
          isSet={editing?.type === type && editing.secretsSet.includes(f.name)}
          onChange={(v) => setValues({ ...values, [f.name]: v })}
        />
      ))}
      <div class="inline-form">
        <button type="submit" class="primary" data-testid="channel-save">
          {t('save')}
        </button>
        <button type="button" onClick={onCancel}>
          {t('cancel')}
        </button>
      </div>
    </form>
  );
}
