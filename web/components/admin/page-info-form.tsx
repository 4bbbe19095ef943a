/**
 * @module The page's title, description and footer links (one "Label | URL" per line); those the
 * config file sets are shown read-only, marked as coming from it.
 */
import { useEffect, useState } from 'preact/hooks';
import type { PageLink } from '../../../src/protocol/messages';
import { pageInfoView, savePageInfo } from '../../state/admin-settings';
import { t } from '../../state/lang';
import { inputValue } from './form';

const linesOf = (links: PageLink[]): string => links.map((l) => `${l.label} | ${l.url}`).join('\n');
const linksOf = (text: string): PageLink[] =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const at = line.lastIndexOf('|');
      return at < 0 ? { label: line, url: line } : { label: line.slice(0, at).trim(), url: line.slice(at + 1).trim() };
    });

export function PageInfoForm() {
  const view = pageInfoView.value;
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [links, setLinks] = useState('');
  useEffect(() => {
    if (!view) return;
    setTitle(view.title);
    setDescription(view.description);
    setLinks(linesOf(view.links));
  }, [view]);
  if (!view) return null;
  const file = new Set(view.fromFile);
  const submit = (e: Event) => {
    e.preventDefault();
    void savePageInfo(
      {
        ...(file.has('title') ? {} : { title }),
        ...(file.has('description') ? {} : { description }),
        ...(file.has('links') ? {} : { links: linksOf(links) }),
      },
      t('saved'),
    );
  };
  const mark = (f: 'title' | 'description' | 'links') => file.has(f) && <span class="tag">{t('fromFile')}</span>;
  return (
    <form class="admin-card rule-form" onSubmit={submit} data-testid="page-info">
      <h2 class="wide">{t('pageInfo')}</h2>
      <label>
        {t('pageTitle')} {mark('title')}
        <input value={title} readOnly={file.has('title')} onInput={(e) => setTitle(inputValue(e))} required data-testid="page-title" />
      </label>
      <label class="wide">
        {t('pageDescription')} {mark('description')}
        <input
          value={description}
          readOnly={file.has('description')}
          onInput={(e) => setDescription(inputValue(e))}
          data-testid="page-description"
        />
      </label>
      <label class="wide">
        {t('pageLinks')} {mark('links')}
        <textarea
          rows={3}
          value={links}
          readOnly={file.has('links')}
          placeholder="GitHub | https://github.com/…"
          onInput={(e) => setLinks(inputValue(e))}
          data-testid="page-links"
        />
      </label>
      <div class="inline-form">
        <button type="submit" class="primary" data-testid="save-page-info">
          {t('save')}
        </button>
      </div>
    </form>
  );
}
