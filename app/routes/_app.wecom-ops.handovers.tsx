/**
 * Handovers (离职继承 / 在职继承): ops hand a resigned clerk's customers, or a clerk's customers on the job, to a
 * takeover clerk (suggested: same store, fewest customers). The list shows each handover's customers, kept, refused,
 * waiting and limit reached, and the kept customers' repurchase in the 90 days after versus before.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { CsrfInput } from '~/components/csrf';
import { FormResult } from '~/components/form-result';
import { useFormat } from '~/lib/format';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { fastForwardWecomTransfers, loadHandoversPage, startWecomHandover } from '~/lib/wecom-ops.server';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'wecom.ops');
  const detail = z.string().uuid().safeParse(new URL(request.url).searchParams.get('handover'));
  return json(await loadHandoversPage(context, actor, detail.success ? detail.data : null));
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { actor, form } = await requireMutation(request, context, 'wecom.ops');
  try {
    if (form.get('intent') === 'fast-forward') {
      const r = await fastForwardWecomTransfers(context, actor);
      return json({ ok: true, error: undefined, message: `模拟 24 小时后：接替完成 ${r.done}，拒绝 ${r.refused}，达上限 ${r.limited} / 24 h later: ${r.done} taken over, ${r.refused} refused, ${r.limited} at the limit` });
    }
    await startWecomHandover(context, actor, { kind: form.get('kind'), fromStaffId: form.get('fromStaffId'), toStaffId: form.get('toStaffId'), message: form.get('message') });
    return json({ ok: true, error: undefined, message: '已开始转接，客户将在 24 小时后自动接替 / Handover started: customers are taken over automatically after 24 hours' });
  } catch (e) {
    return actionError(e, context);
  }
}

const STATUS: Record<string, [string, string, string]> = {
  collecting: ['读取待分配客户', 'collecting', 'warn'],
  transferring: ['转接中', 'transferring', 'warn'],
  waiting: ['等待接替', 'waiting for takeover', 'warn'],
  done: ['已完成', 'done', 'good'],
  failed: ['失败', 'failed', 'bad'],
};

const CUSTOMER_STATUS: Record<string, [string, string]> = {
  pending: ['待转接', 'not sent yet'],
  waiting: ['等待接替', 'waiting'],
  kept: ['已接替', 'kept'],
  refused: ['客户拒绝', 'refused'],
  limit_reached: ['接替导购客户已满', 'takeover clerk at the limit'],
  failed: ['转接失败', 'failed'],
  skipped: ['未转接', 'skipped'],
};
const REASON: Record<string, [string, string]> = {
  protection_period: ['90 天保护期内', 'inside the 90-day protection period'],
  transfer_limit: ['在职继承已达 2 次', 'already transferred twice on the job'],
  in_progress: ['另一转接进行中', 'another transfer is in progress'],
};

export default function HandoversPage() {
  const { handovers, candidates, simulator, detail, detailId } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  const f = useFormat();
  const pct = (n: number, d: number) => (d > 0 ? f.percent(n / d) : '—');
  return (
    <>
      <p className="muted">
        {t(
          '导购离职或调岗时，把客户转给接替导购：客户在 24 小时后自动接替，也可能拒绝。客户的历史订单、标签和指标都保留（同一个客户），只是服务导购变了。同一客户 90 天内只能转接一次，在职继承最多两次，回客会在调用前跳过。',
          'When a clerk leaves or moves, hand their customers to a takeover clerk: WeCom takes them over after 24 hours, and a customer may refuse. Orders, tags and metrics stay (same customer); only the serving clerk changes. A customer can be transferred once per 90 days and on the job at most twice; Huike skips those before calling.',
        )}
      </p>
      <FormResult data={result} ok={result && 'message' in result ? result.message : undefined} />
      <Form method="post" className="toolbar card" data-testid="handover-form">
        <CsrfInput />
        <label>
          {t('类型', 'Kind')}
          <select name="kind" defaultValue="resigned">
            <option value="resigned">{t('离职继承', 'Resigned clerk')}</option>
            <option value="on_job">{t('在职继承', 'On-job handover')}</option>
          </select>
        </label>
        <label>
          {t('原导购', 'From clerk')}
          <select name="fromStaffId" required>
            {candidates
              .filter((c) => c.customers > 0)
              .map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                  {c.active ? '' : t('（已离职）', ' (resigned)')} · {c.store ?? '—'} · {t(`${c.customers} 位客户`, `${c.customers} customers`)}
                </option>
              ))}
          </select>
        </label>
        <label>
          {t('接替导购', 'Takeover clerk')}
          <select name="toStaffId" defaultValue="">
            <option value="">{t('自动推荐：同门店、客户最少', 'Suggested: same store, fewest customers')}</option>
            {candidates
              .filter((c) => c.active)
              .map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name} · {c.store ?? '—'} · {t(`${c.customers} 位客户`, `${c.customers} customers`)}
                </option>
              ))}
          </select>
        </label>
        <label>
          {t('转接提示语（在职继承，可选，≤200 字）', 'Message to customers (on-job, optional, ≤200)')}
          <input name="message" maxLength={200} placeholder={t('您好，之后由我为您服务', 'Hello, I will look after you from now on')} />
        </label>
        <button type="submit">{t('开始转接', 'Start handover')}</button>
      </Form>
      {simulator ? (
        <Form method="post" className="toolbar">
          <CsrfInput />
          <input type="hidden" name="intent" value="fast-forward" />
          <button type="submit" className="secondary" data-testid="fast-forward">
            {t('演示：模拟 24 小时后（客户接替或拒绝）', 'Demo: 24 hours later (customers taken over or refusing)')}
          </button>
        </Form>
      ) : null}
      <table className="data-table" data-testid="handovers">
        <thead>
          <tr>
            <th>{t('时间', 'Started')}</th>
            <th>{t('类型', 'Kind')}</th>
            <th>{t('原导购 → 接替导购', 'From → to')}</th>
            <th>{t('状态', 'Status')}</th>
            <th className="num">{t('客户', 'Customers')}</th>
            <th className="num">{t('已接替', 'Kept')}</th>
            <th className="num">{t('拒绝', 'Refused')}</th>
            <th className="num">{t('等待中', 'Waiting')}</th>
            <th className="num">{t('达上限', 'Limit reached')}</th>
            <th className="num">{t('跳过', 'Skipped')}</th>
            <th className="num">{t('复购：前 90 天 → 后 90 天', 'Bought: 90 d before → after')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {handovers.length === 0 ? (
            <tr>
              <td colSpan={12} className="muted">
                {t('还没有转接记录。', 'No handovers yet.')}
              </td>
            </tr>
          ) : (
            handovers.map((h) => (
              <tr key={h.id} data-testid="handover-row">
                <td>
                  {f.dateTime(h.created_at)}
                  <div className="muted">{h.created_by_label}</div>
                </td>
                <td>{h.kind === 'resigned' ? t('离职继承', 'Resigned') : t('在职继承', 'On the job')}</td>
                <td>
                  {h.from_clerk} → <strong>{h.to_clerk}</strong>
                </td>
                <td>
                  <span className={`badge ${STATUS[h.status]?.[2] ?? ''}`}>{t(STATUS[h.status]?.[0] ?? h.status, STATUS[h.status]?.[1] ?? h.status)}</span>
                  {h.error ? <div className="muted">{h.error}</div> : null}
                </td>
                <td className="num">{f.number(h.customers)}</td>
                <td className="num" data-testid="kept">{f.number(h.kept)}</td>
                <td className="num" data-testid="refused">{f.number(h.refused)}</td>
                <td className="num">{f.number(h.waiting)}</td>
                <td className="num">{f.number(h.limit_reached)}</td>
                <td className="num">{f.number(h.skipped)}</td>
                <td className="num">
                  {pct(h.bought_before, h.kept)} → {pct(h.bought_after, h.kept)}
                </td>
                <td>
                  <Link to={`?handover=${h.id}`} data-testid="handover-detail-link">
                    {t('客户明细', 'Customers')}
                  </Link>
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      {detail ? (
        <>
          <h2>{t('转接客户明细', 'Customers of this handover')}</h2>
          <table className="data-table" data-testid="handover-customers" data-handover={detailId}>
            <thead>
              <tr>
                <th>{t('客户', 'Customer')}</th>
                <th>{t('结果', 'Outcome')}</th>
                <th>{t('接替时间', 'Taken over')}</th>
                <th className="num">{t('历史订单', 'Orders')}</th>
              </tr>
            </thead>
            <tbody>
              {detail.map((c) => (
                <tr key={c.external_userid} data-status={c.status}>
                  <td>{c.customer_id ? <Link to={`/customers/${c.customer_id}`}>{c.name ?? c.external_userid.slice(0, 10)}</Link> : <code>{c.external_userid.slice(0, 10)}…</code>}</td>
                  <td>
                    {t(CUSTOMER_STATUS[c.status]?.[0] ?? c.status, CUSTOMER_STATUS[c.status]?.[1] ?? c.status)}
                    {c.reason ? <span className="muted"> · {t(REASON[c.reason]?.[0] ?? c.reason, REASON[c.reason]?.[1] ?? c.reason)}</span> : null}
                    {c.errcode ? <span className="muted"> · {c.errcode}</span> : null}
                  </td>
                  <td>{c.takeover_at ? f.dateTime(c.takeover_at) : '—'}</td>
                  <td className="num">{f.number(c.orders)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </>
  );
}
