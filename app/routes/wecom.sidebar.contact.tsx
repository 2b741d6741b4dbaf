/**
 * The customer of the current 1:1 chat (external_userid from getCurExternalContact): my customer → their card;
 * another clerk's → only what the tenant allows; not synced yet → a card with a button that fetches them now.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { json, redirect } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { CsrfInput } from '~/components/csrf';
import { FormResult } from '~/components/form-result';
import { actionError, verifyCsrf } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { fetchSidebarContact, requireSidebarActor, resolveSidebarContact } from '~/lib/sidebar.server';

const EID = /^[A-Za-z0-9_-]{1,64}$/;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireSidebarActor(request, context);
  const eid = new URL(request.url).searchParams.get('eid') ?? '';
  if (!EID.test(eid)) throw json({ message: '当前会话不是客户 / This chat is not with a customer' }, { status: 400 });
  const r = await resolveSidebarContact(context, actor, eid);
  if (r.state === 'mine') throw redirect(`/wecom/sidebar/customers/${r.customerId}`);
  return json(r);
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { actor, csrfToken } = await requireSidebarActor(request, context);
  await verifyCsrf(request, csrfToken);
  const eid = new URL(request.url).searchParams.get('eid') ?? '';
  try {
    if (!EID.test(eid)) throw json({ message: 'bad request' }, { status: 400 });
    await fetchSidebarContact(context, actor, eid);
  } catch (e) {
    return actionError(e, context);
  }
  const r = await resolveSidebarContact(context, actor, eid);
  if (r.state === 'mine') return redirect(`/wecom/sidebar/customers/${r.customerId}`);
  return json({ ok: false as const, error: r.state === 'unknown' ? '企业微信中没有找到这位客户 / WeCom does not know this customer' : undefined });
}

export default function SidebarContact() {
  const r = useLoaderData<typeof loader>();
  const data = useActionData<typeof action>();
  const nav = useNavigation();
  const t = useT();
  if (r.state === 'unknown')
    return (
      <section className="m-card" data-testid="not-synced">
        <h2>{t('这位客户还没有同步到回客', 'This customer is not in Huike yet')}</h2>
        <p className="m-muted">{t('刚添加的客户会在几秒内同步。也可以现在就从企业微信读取。', 'New customers arrive within seconds. You can also read them from WeCom now.')}</p>
        <FormResult data={data && 'error' in data ? data : undefined} />
        <Form method="post">
          <CsrfInput />
          <button type="submit" style={{ width: '100%' }} disabled={nav.state !== 'idle'} data-testid="fetch-now">
            {t('立即同步', 'Fetch now')}
          </button>
        </Form>
      </section>
    );
  if (r.state === 'hidden')
    return (
      <section className="m-card" data-testid="other-clerk">
        <h2>{t('这位客户由其他导购服务', 'Another clerk serves this customer')}</h2>
      </section>
    );
  return (
    <section className="m-card" data-testid="other-clerk">
      <h2>{r.name ?? t('（未命名）', '(no name)')}</h2>
      <p>
        {t('由其他导购服务：', 'Served by: ')}
        {r.servedBy.join('、') || '—'}
      </p>
      <p className="m-muted">{t('你不是这位客户的服务导购，看不到订单和跟进记录。', 'You do not serve this customer, so orders and follow-ups are hidden.')}</p>
    </section>
  );
}
