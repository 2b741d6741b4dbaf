/** The segment save form's fields, as the builder posts them (client-safe; parsed by the actions). */
export function segmentForm(form: FormData) {
  let rule: unknown;
  try {
    rule = JSON.parse(String(form.get('rule') ?? '{}'));
  } catch {
    rule = null;
  }
  return {
    name: String(form.get('name') ?? ''),
    description: String(form.get('description') ?? ''),
    kind: String(form.get('kind') ?? 'dynamic'),
    rule,
    template: form.get('template') ? String(form.get('template')) : null,
  };
}
