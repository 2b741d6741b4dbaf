/** 客户卡片: the customer card on the phone (tags with quick toggles, follow-ups, orders, how they were added). */
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { CustomerCard } from '~/components/clerk/customer-card';
import { can } from '~/lib/auth.server';
import { loadCard, saveFollowUp } from '~/lib/clerk.server';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { customerTagAction } from '~/lib/wecom.server';
import { isUuid } from '~/lib/params';

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'customers.view');
  const id = params.id ?? '';
  if (!isUuid(id)) throw json({ message: 'Not found' }, { status: 404 });
  try {
    return json({ card: await loadCard(context, actor, id), canTag: can(actor.role, 'customers.tag') });
  } catch (e) {
    if ((e as { status?: number }).status === 404) throw json({ message: (e as Error).message }, { status: 404 });
    throw e;
  }
}

/** intent=tag: add/remove a tag (WeCom write-back); intent=follow_up: log a follow-up record. */
export async function action({ request, context, params }: ActionFunctionArgs) {
  const id = params.id ?? '';
  // Tag changes need customers.tag; the form's intent is only known after the CSRF check has read the body.
  const { actor, form } = await requireMutation(request, context, 'customers.view');
  try {
    if (!isUuid(id)) throw json({ message: 'Not found' }, { status: 404 });
    if (form.get('intent') === 'tag') {
      if (!can(actor.role, 'customers.tag')) throw json({ message: '没有权限 / Not allowed' }, { status: 403 });
      return json(await customerTagAction(context, actor, id, form));
    }
    const r = await saveFollowUp(context, actor, id, Object.fromEntries(form));
    return json({ ok: true as const, error: undefined, id: r.id });
  } catch (e) {
    return actionError(e, context);
  }
}

export default function MobileCustomerCard() {
  const { card, canTag } = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <>
      <p style={{ margin: '0 0 .5rem' }}>
        <Link to="/m/customers" className="tap" style={{ display: 'inline-flex', alignItems: 'center', minHeight: 44 }}>
          ← {t('我的客户', 'My customers')}
        </Link>
      </p>
      <CustomerCard card={card} action={`/m/customers/${card.id}`} canTag={canTag} scriptsHref={`/m/scripts?customer=${card.id}`} />
    </>
  );
}
