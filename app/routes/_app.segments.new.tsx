/** The builder for a new segment: from scratch, a template (?template=) or a rule handed over (?rule=, "save as segment"). */
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs } from '@remix-run/node';
import { json, redirect } from '@remix-run/node';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import { SegmentEditor } from '~/components/segments/segment-editor';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { builderOptions, createSegment, withTenant } from '~/lib/segments.server';
import { EMPTY_RULE, parseRule, type Rule } from '~/lib/segments/rule';
import { segmentForm } from '~/lib/segments/form';
import { templateByKey } from '~/lib/segments/templates';
import styles from '~/styles/segments.css';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: styles }];

function initialRule(url: URL): { rule: Rule; template: string | null; name: string } {
  const tpl = templateByKey(url.searchParams.get('template') ?? '');
  if (tpl) return { rule: tpl.rule, template: tpl.key, name: tpl.name[0] };
  const raw = url.searchParams.get('rule');
  if (raw) {
    try {
      const p = parseRule(JSON.parse(raw));
      if (p.ok) return { rule: p.rule, template: null, name: url.searchParams.get('name') ?? '' };
    } catch {
      // a hand-edited link: start empty
    }
  }
  return { rule: { ...EMPTY_RULE, all: [{ any: [{ field: 'stage', op: 'in', value: ['at_risk'] }] }] }, template: null, name: '' };
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'segments.manage');
  const options = await withTenant(context.services.dbs, actor.tenantId, (trx) => builderOptions(trx, actor));
  return json({ options, initial: initialRule(new URL(request.url)) });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { actor, form } = await requireMutation(request, context, 'segments.manage');
  try {
    const input = segmentForm(form);
    const row = await withTenant(context.services.dbs, actor.tenantId, (trx) => createSegment(trx, actor, input));
    return redirect(`/segments/${row.id}`);
  } catch (e) {
    return actionError(e, context);
  }
}

export default function NewSegment() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  return (
    <>
      <p>
        <Link to="/segments">← {t('客户分群', 'Segments')}</Link>
      </p>
      <h1>{t('新建分群', 'New segment')}</h1>
      <SegmentEditor initial={{ ...d.initial, description: null, kind: 'dynamic' }} options={d.options} canSave result={result} submitLabel={t('保存分群', 'Save segment')} />
    </>
  );
}
