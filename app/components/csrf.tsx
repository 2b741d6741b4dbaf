import { useRootData } from '~/lib/i18n';

/** The session's CSRF token as a hidden field: put it in every <Form method="post">. */
export function CsrfInput() {
  const { csrfToken } = useRootData();
  return <input type="hidden" name="_csrf" value={csrfToken ?? ''} />;
}
