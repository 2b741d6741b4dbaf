/** The server's validation messages under one field (or a group of fields such as "schedule"), next to it. */
import type { FieldIssues } from '~/lib/contracts/campaign-editor';

/** The messages of the issues under `prefix` (a field, or a group of fields such as "schedule"). */
export function Issues({ issues, prefix, testId }: { issues?: FieldIssues; prefix: string; testId?: string }) {
  const list = Object.entries(issues ?? {}).filter(([k]) => k === prefix || k.startsWith(`${prefix}.`)).flatMap(([, v]) => v);
  if (list.length === 0) return null;
  return <ul className="alert error field-issues" data-testid={testId ?? `issues-${prefix}`}>{list.map((m) => <li key={m}>{m}</li>)}</ul>;
}
