/**
 * @module The alert rules: the config file's (read-only, marked as such) and the admin's, each
 * with edit, enable/disable and delete; a form for a new one.
 */
import { useState } from 'preact/hooks';
import type { RuleView } from '../../../src/protocol/admin';
import { deleteRule, rulesView, saveRule } from '../../state/admin-setup';
import { t } from '../../state/lang';
import { NEW_RULE, RuleForm } from './rule-form';

/** One line saying what the rule watches. */
function summary(rule: Record<string, unknown>): string {
  const parts = [
    rule.kind ?? (rule.expr !== undefined ? 'expr' : 'threshold'),
    rule.expr ?? [rule.metric, rule.op, rule.threshold].filter((p) => p !== undefined).join(' '),
  ];
  if (rule.for) parts.push(`for ${String(rule.for)}`);
  return parts.filter(Boolean).join(' · ');
}

function RuleRow({ view, onEdit }: { view: RuleView; onEdit: () => void }) {
  const admin = view.source === 'admin';
  const toggle = () => void saveRule(view.name, { ...view.rule, enabled: !view.enabled }, t('saved'));
  return (
    <tr data-rule={view.name} data-testid={`rule-row-${view.name}`}>
      <td>
        {view.name}
        {view.shadowed && <span class="tag">{t('hiddenByFile')}</span>}
      </td>
      <td>{summary(view.rule)}</td>
      <td>
        {String(view.rule.severity ?? 'warning')} → {(view.rule.notify as string[] | undefined)?.join(', ') || '–'}
      </td>
      <td>
        {admin ? (
          <span class="row-actions">
            <label class="check">
              <input type="checkbox" checked={view.enabled} onChange={toggle} data-testid={`rule-enabled-${view.name}`} />
              {t('enabled')}
            </label>
            <button type="button" onClick={onEdit} data-testid={`rule-edit-${view.name}`}>
              {t('rename')}
            </button>
            <button
              type="button"
              onClick={() => confirm(t('confirmDeleteRule', { name: view.name })) && void deleteRule(view.name)}
              data-testid={`rule-delete-${view.name}`}
            >
              {t('remove')}
            </button>
          </span>
        ) : (
          <span class="tag">{t('fromFile')}</span>
        )}
      </td>
    </tr>
  );
}

export function RulesPanel() {
  const view = rulesView.value;
  const [editing, setEditing] = useState<{ original: string | null; rule: Record<string, unknown> } | null>(null);
  if (!view) return null;
  const save = (rule: Record<string, unknown>) => saveRule(editing!.original, rule, t('saved')).then((ok) => (ok && setEditing(null), ok));
  return (
    <section class="admin-card" data-testid="rules-panel">
      <h2>{t('rules')}</h2>
      {view.rules.length === 0 ? (
        <p class="empty">{t('noRules')}</p>
      ) : (
        <div class="table-wrap">
          <table class="nodes admin-nodes">
            <tbody>
              {view.rules.map((r) => (
                <RuleRow key={`${r.source} ${r.name}`} view={r} onEdit={() => setEditing({ original: r.name, rule: r.rule })} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editing ? (
        <RuleForm key={editing.original ?? ''} initial={editing.rule} onSave={save} onCancel={() => setEditing(null)} />
      ) : (
        <button type="button" onClick={() => setEditing({ original: null, rule: NEW_RULE })} data-testid="rule-new">
          {t('newRule')}
        </button>
      )}
    </section>
  );
}
