/**
 * The one "demo" button of the WeCom operations pages: on a simulator-mode connection only, a POST of `intent` that
 * makes the simulator play WeCom's side (24 hours later, clerks posting …). Renders nothing on a real connection.
 */
import { Form } from '@remix-run/react';
import { CsrfInput } from '~/components/csrf';

export function DemoAction({ simulator, intent, testId, children }: { simulator: boolean; intent: string; testId: string; children: React.ReactNode }) {
  if (!simulator) return null;
  return (
    <Form method="post" className="toolbar">
      <CsrfInput />
      <input type="hidden" name="intent" value={intent} />
      <button type="submit" className="secondary" data-testid={testId}>
        {children}
      </button>
    </Form>
  );
}

/** A one-button POST form for a row action (sync, cancel, remove …). */
export function RowAction({ intent, id, children }: { intent: string; id: string; children: React.ReactNode }) {
  return (
    <Form method="post">
      <CsrfInput />
      <input type="hidden" name="intent" value={intent} />
      <input type="hidden" name="id" value={id} />
      <button type="submit" className="secondary">
        {children}
      </button>
    </Form>
  );
}
