import { Form, useLocation } from '@remix-run/react';
import { useRootData } from '~/lib/i18n';

/** zh-CN / English switch. The language cookie is not sensitive, but the form still carries the CSRF token. */
export function LangSwitch() {
  const { locale, csrfToken } = useRootData();
  const location = useLocation();
  return (
    <Form method="post" action="/lang" className="lang-switch">
      <input type="hidden" name="_csrf" value={csrfToken ?? ''} />
      <input type="hidden" name="next" value={location.pathname + location.search} />
      <button type="submit" name="lang" value={locale === 'en' ? 'zh-CN' : 'en'}>
        {locale === 'en' ? '中文' : 'English'}
      </button>
    </Form>
  );
}
