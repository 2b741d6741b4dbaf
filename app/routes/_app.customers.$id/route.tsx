/** The customer profile: tags and serving clerks first, then repurchase metrics and predictions, orders, WeCom relations, identities. */
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { GROUP_LABELS, STAGE_LABELS, label } from '~/lib/analytics-labels';
import { getCustomerProfile } from '~/lib/analytics.server';
import { useFormat } from '~/lib/format';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import dashboardStyles from '~/styles/dashboard.css';
// WeCom: tags with write-back state (top), relations, groups and tag changes (server/wecom).
import { CustomerTagEditor } from '~/components/customer-tags';
import { CustomerWecomSection } from '~/components/customer-wecom';
import { CustomerMemberFacts } from '~/components/customer-member';
import { can } from '~/lib/auth.server';
import { customerTagAction, customerWecom } from '~/lib/wecom.server';
import { MetricsSection } from './metrics';
import { OrdersSection } from './orders';
import { isUuid } from '~/lib/params';

/** How a customer's identity kinds read on the page. */
const IDENTITY_LABELS: Record<string, [string, string]> = { mobile: ['手机', 'Mobile'], member_no: ['会员号', 'Member number'], unionid: ['微信 UnionID', 'WeChat UnionID'], openid: ['OpenID', 'OpenID'], external_userid: ['企业微信联系人', 'WeCom contact'] };

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: dashboardStyles }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'customers.view');
  const id = params.id ?? '';
  if (!isUuid(id)) throw json({ message: 'Not found' }, { status: 404 });
  try {
    const customer = await getCustomerProfile(context.services, actor, id);
    const wecom = await customerWecom(context, actor, id);
    return json({ customer, wecom, canTag: can(actor.role, 'customers.tag') });
  } catch (e) {
    if ((e as { status?: number }).status === 404) throw json({ message: (e as Error).message }, { status: 404 });
    throw e;
  }
}

/** Tag changes from the WeCom section (written back to WeCom by the queue). */
export async function action({ request, context, params }: ActionFunctionArgs) {
  const { actor, form } = await requireMutation(request, context, 'customers.tag');
  try {
    return json(await customerTagAction(context, actor, params.id ?? '', form));
  } catch (e) {
    return actionError(e, context);
  }
}

export default function CustomerProfile() {
  const { customer: c, wecom, canTag } = useLoaderData<typeof loader>();
  const t = useT();
  const f = useFormat();
  const m = c.metrics;
  return (
    <>
      <p>
        <Link to="/customers">← {t('客户', 'Customers')}</Link>
      </p>
      <div className="profile-head">
        <h1>{c.display_name ?? t('（未命名）', '(no name)')}</h1>
        {m ? <span className={`badge stage-${m.stage}`}>{label(STAGE_LABELS, m.stage, t)}</span> : null}
        {m?.rfm_group ? (
          <span className="badge group" title={`R${m.r_score} F${m.f_score} M${m.m_score} · FM${m.fm_score}`}>
            {label(GROUP_LABELS, m.rfm_group, t)} · R{m.r_score} FM{m.fm_score}
          </span>
        ) : null}
        {m?.is_due ? <span className="badge due">{t('待回访', 'Due for a visit')}</span> : null}
        <span className="muted">
          {c.mobile_masked ?? ''} · {c.home_store ?? c.store ?? t('无门店', 'no store')}
        </span>
      </div>

      {/* What a clerk acts on first: the customer's tags and who serves them; the numbers and orders below. */}
      <div className="grid-2">
        <section className="card" data-section="tags">
          <h2 style={{ marginTop: 0 }}>{t('标签', 'Tags')}</h2>
          <CustomerTagEditor customerId={c.id} tags={wecom.profile.tags} options={wecom.tagOptions} canTag={canTag} />
        </section>
        <section className="card" data-section="clerks">
          <h2 style={{ marginTop: 0 }}>{t('服务导购', 'Served by')}</h2>
          {c.follows.length === 0 ? <p className="muted">{t('暂无导购添加该客户', 'No clerk has added this customer')}</p> : null}
          {c.follows.map((fl, i) => (
            <p key={i}>
              <strong>{fl.clerk}</strong> · {fl.store ?? '—'} · {t('添加于', 'since')} {f.date(fl.added_at)}
              {fl.ended_at ? <span className="badge bad"> {t('已解除', 'ended')}</span> : null}
              {fl.remark ? <span className="muted"> · {fl.remark}</span> : null}
            </p>
          ))}
        </section>
      </div>

      <MetricsSection m={m} />

      <OrdersSection c={c} />
      <CustomerWecomSection data={wecom.profile} />
      <CustomerMemberFacts member={c.member} />
      <section className="card" data-section="profile">
        <h2 style={{ marginTop: 0 }}>{t('基本信息', 'Profile')}</h2>
        <p>
          {t('建档时间', 'Customer since')}: {f.date(c.created_at)}
        </p>
        <p>
          {t('身份标识', 'Identities')}:{' '}
          {c.identities.length === 0 ? '—' : null}
          {c.identities.map((i) => (
            <span key={i.kind + i.value} className="badge" style={{ marginRight: '.25rem' }}>
              {t(...(IDENTITY_LABELS[i.kind] ?? [i.kind, i.kind]))}: {i.value}
            </span>
          ))}
        </p>
      </section>
    </>
  );
}
