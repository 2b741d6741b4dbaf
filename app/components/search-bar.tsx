/** The toolbar above a list: a GET form with the text search `q` and a submit button (extra filters as children). */
import { Form } from '@remix-run/react';
import type { ReactNode } from 'react';
import { useT } from '~/lib/i18n';

export function SearchBar({ q, placeholder, children, submitLabel }: { q: string | null | undefined; placeholder: string; children?: ReactNode; submitLabel?: string }) {
  const t = useT();
  return (
    <Form method="get" className="toolbar">
      <input name="q" defaultValue={q ?? ''} placeholder={placeholder} />
      {children}
      <button type="submit" className="secondary">
        {submitLabel ?? t('搜索', 'Search')}
      </button>
    </Form>
  );
}
