/**
 * @module The form of one alert rule, in the config file's shape: the fields of its kind (from a
 * small table; a kind without an entry is edited as JSON), what every rule has, the channels to
 * notify; checked by the server as it is typed, with the nodes it would fire for right now.
 */
import { useEffect, useState } from 'preact/hooks';
import type { RuleCheckReply } from '../../../src/protocol/admin';
import { checkRule, rulesView } from '../../state/admin-setup';
import { t } from '../../state/lang';
import { inputValue } from './form';

type Draft = Record<string, unknown>;
interface Field {
  name: string;
  type: 'text' | 'number' | 'numbers' | 'select';
  options?: readonly string[];
}

const OPS = ['>', '>=', '<', '<=', '==', '!='];
const BY_KIND: Record<string, Field[]> = {
  threshold: [
    { name: 'metric', type: 'text' },
    { name: 'op', type: 'select', options: OPS },
    { name: 'threshold', type: 'number' },
    { name: 'recover', type: 'number' },
  ],
  expr: [
    { name: 'expr', type: 'text' },
    { name: 'recover', type: 'text' },
  ],
  load: [
    { name: 'metric', type: 'select', options: ['load5', 'load1', 'load15'] },
    { name: 'threshold', type: 'number' },
  ],
  offline: [],
  traffic: [
    { name: 'percent', type: 'numbers' },
    { name: 'direction', type: 'select', options: ['sum', 'in', 'out'] },
    { name: 'quota', type: 'text' },
  ],
  expiry: [{ name: 'days', type: 'number' }],
};
const COMMON: Field[] = [
  { name: 'for', type: 'text' },
  { name: 'severity', type: 'select', options: ['warning', 'info', 'critical'] },
  { name: 'repeat', type: 'text' },
];

/** The value a field shows for the draft's value. */
function shown(value: unknown): string {
  if (value === undefined || value === null) return '';
  return Array.isArray(value) ? value.join(', ') : String(value);
}

/** The draft's value for what a field holds (empty: left out, as in the config file). */
function parsed(field: Field, text: string): unknown {
  if (text.trim() === '') return undefined;
  if (field.type === 'number') return Number(text);
  if (field.type === 'numbers') {
    const list = text.split(',').map((s) => Number(s.trim()));
    return list.length === 1 ? list[0] : list;
  }
  return text;
}

function FieldInput({ field, draft, set }: { field: Field; draft: Draft; set: (name: string, value: unknown) => void }) {
  const id = `rule-field-${field.name}`;
  const input =
    field.type === 'select' ? (
      <select value={shown(draft[field.name]) || field.options![0]} onChange={(e) => set(field.name, inputValue(e))} data-testid={id}>
        {field.options!.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    ) : (
      <input
        value={shown(draft[field.name])}
        onInput={(e) => set(field.name, parsed(field, inputValue(e)))}
        data-testid={id}
        inputMode={field.type === 'text' ? undefined : 'decimal'}
      />
    );
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is `input`, inside the label
    <label>
      {field.name}
      {input}
    </label>
  );
}

function CheckLine({ check }: { check: RuleCheckReply | null }) {
  if (!check) return null;
  if (!check.ok)
    return (
      <p class="notice error" role="status" data-testid="rule-check">
        {check.error}
      </p>
    );
  return (
    <p class="notice ok" role="status" data-testid="rule-check">
      {check.wouldFire.length ? t('wouldFire', { nodes: check.wouldFire.join(', ') }) : t('wouldFireNone')}
    </p>
  );
}

function Notify({ draft, set }: { draft: Draft; set: (name: string, value: unknown) => void }) {
  const chosen = Array.isArray(draft.notify) ? (draft.notify as string[]) : [];
  const toggle = (name: string, on: boolean) => set('notify', on ? [...chosen, name] : chosen.filter((c) => c !== name));
  return (
    <fieldset class="plain">
      <legend>{t('notify')}</legend>
      {(rulesView.value?.channels ?? []).map((c) => (
        <label key={c} class="check">
          <input
            type="checkbox"
            checked={chosen.includes(c)}
            onChange={(e) => toggle(c, (e.target as HTMLInputElement).checked)}
            data-testid={`rule-notify-${c}`}
          />
          {c}
        </label>
      ))}
    </fieldset>
  );
}

/** The server's verdict on the draft, asked for a moment after typing stops. */
function useRuleCheck(draft: Draft): RuleCheckReply | null {
  const [check, setCheck] = useState<RuleCheckReply | null>(null);
  useEffect(() => {
    const timer = setTimeout(() => void checkRule(draft).then(setCheck), 250);
    return () => clearTimeout(timer);
  }, [JSON.stringify(draft)]);
  return check;
}

function KindSelect({ kind, kinds, choose }: { kind: string; kinds: readonly string[]; choose: (kind: string) => void }) {
  return (
    <label>
      kind
      <select value={kind} onChange={(e) => choose(inputValue(e))} data-testid="rule-field-kind">
        {kinds.map((k) => (
          <option key={k} value={k}>
            {k}
          </option>
        ))}
      </select>
    </label>
  );
}

/** One of the scope's lists as comma-separated text; empty: every node. */
function ScopeInput({ which, draft, set }: { which: 'nodes' | 'groups'; draft: Draft; set: (name: string, value: unknown) => void }) {
  return (
    <label>
      {`scope.${which}`}
      <input
        value={shown((draft.scope as Draft | undefined)?.[which])}
        onInput={(e) => set('scope', listScope(draft, which, inputValue(e)))}
        placeholder={t('allNodes')}
      />
    </label>
  );
}

export function RuleForm({
  initial,
  onSave,
  onCancel,
}: {
  initial: Draft;
  onSave: (rule: Draft) => Promise<boolean>;
  onCancel: () => void;
}) {
  const [draft, setDraft] = useState<Draft>(initial);
  const check = useRuleCheck(draft);
  const [json, setJson] = useState(JSON.stringify(initial, null, 2));
  const set = (name: string, value: unknown) =>
    setDraft((d) => {
      const next = { ...d, [name]: value };
      if (value === undefined) delete next[name];
      return next;
    });
  const kind = String(draft.expr !== undefined && draft.kind === undefined ? 'expr' : (draft.kind ?? 'threshold'));
  const fields = BY_KIND[kind];
  const kinds = rulesView.value?.kinds ?? Object.keys(BY_KIND);
  const submit = (e: Event) => (e.preventDefault(), void onSave(draft));
  const onJson = (text: string) => {
    setJson(text);
    try {
      setDraft(JSON.parse(text) as Draft);
    } catch {
      // Half-typed JSON: the last valid draft stays until it parses again.
    }
  };
  return (
    <form class="rule-form" onSubmit={submit} data-testid="rule-form">
      <label>
        name
        <input value={shown(draft.name)} onInput={(e) => set('name', inputValue(e))} required data-testid="rule-field-name" />
      </label>
      <KindSelect kind={kind} kinds={kinds} choose={(k) => setDraft((d) => withKind(d, k))} />
      {fields ? (
        fields.map((f) => <FieldInput key={f.name} field={f} draft={draft} set={set} />)
      ) : (
        <label class="wide">
          {t('ruleJson')}
          <textarea rows={6} value={json} onInput={(e) => onJson(inputValue(e))} />
        </label>
      )}
      {COMMON.map((f) => (
        <FieldInput key={f.name} field={f} draft={draft} set={set} />
      ))}
      <ScopeInput which="nodes" draft={draft} set={set} />
      <ScopeInput which="groups" draft={draft} set={set} />
      <Notify draft={draft} set={set} />
      <div class="inline-form">
        <button type="submit" class="primary" data-testid="rule-save">
          {t('save')}
        </button>
        <button type="button" onClick={onCancel}>
          {t('cancel')}
        </button>
      </div>
      {/* Below the buttons: the check arrives a moment after each change and would move them under the pointer. */}
      <CheckLine check={check} />
    </form>
  );
}

/** The rule's scope with one of its lists set from comma-separated text (no scope when both are empty). */
function listScope(draft: Draft, which: 'nodes' | 'groups', text: string): Draft | undefined {
  const scope = {
    ...((draft.scope as Draft | undefined) ?? {}),
    [which]: text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  };
  return (scope.nodes as string[] | undefined)?.length || (scope.groups as string[] | undefined)?.length ? scope : undefined;
}

/** The draft as a rule of another kind: the old kind's fields go (an "expr" left behind would make any rule an expression rule). */
function withKind(draft: Draft, kind: string): Draft {
  const next: Draft = { ...draft, kind };
  const keep = new Set((BY_KIND[kind] ?? []).map((f) => f.name));
  for (const fields of Object.values(BY_KIND)) for (const f of fields) if (!keep.has(f.name)) delete next[f.name];
  return next;
}

export const NEW_RULE: Draft = { name: '', kind: 'threshold', metric: 'cpu', op: '>', threshold: 90, for: '1m', notify: [] };
