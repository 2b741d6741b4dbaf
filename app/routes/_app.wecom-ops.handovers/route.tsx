/**
 * Handovers (离职继承 / 在职继承): ops hand a resigned clerk's customers, or chosen customers of a clerk on the job
 * (searched and ticked, or all N matching), to a takeover clerk (suggested: same store, fewest customers). The list
 * shows each handover's customers, kept, refused, waiting and limit reached, and the kept customers' repurchase in
 * the 90 days after versus before.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { DemoAction } from '~/components/wecom-ops/demo-action';
import { FormResult } from '~/components/form-result';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { fastForwardWecomTransfers, loadHandoversPage, startWecomHandover } from '~/lib/wecom-ops.server';
import { OnJobPicker, ResignedForm } from './handover-forms';
import { HandoverCustomersTable, HandoversTable } from './handovers-table';

const query = z.object({
  handover: z.string().uuid().optional().catch(undefined),
  from: z.string().uuid().optional().catch(undefined),
  q: z.string().trim().max(50).optional().catch(undefined),
  stage: z.string().trim().max(20).optional().catch(undefined),
});

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'wecom.ops');
  const p = query.parse(Object.fromEntries(new URL(request.url).searchParams));
  return json(await loadHandoversPage(context, actor, { detailId: p.handover ?? null, picker: p.from ? { fromStaffId: p.from, q: p.q ?? null, stage: p.stage ?? null } : null }));
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { actor, form } = await requireMutation(request, context, 'wecom.ops');
  try {
    if (form.get('intent') === 'fast-forward') {
      const r = await fastForwardWecomTransfers(context, actor);
      return json({ ok: true, error: undefined, message: `模拟 24 小时后：接替完成 ${r.done}，拒绝 ${r.refused}，达上限 ${r.limited} / 24 h later: ${r.done} taken over, ${r.refused} refused, ${r.limited} at the limit` });
    }
    const r = await startWecomHandover(context, actor, {
      kind: form.get('kind'),
      fromStaffId: form.get('fromStaffId'),
      toStaffId: form.get('toStaffId'),
      message: form.get('message'),
      selection: form.get('selection') ?? undefined,
      customerIds: form.getAll('customerIds'),
      q: form.get('q'),
      stage: form.get('stage'),
    });
    return json({ ok: true, error: undefined, message: `已开始转接 ${r.customers ?? ''} 位客户，客户将在 24 小时后自动接替 / Handover started: customers are taken over automatically after 24 hours` });
  } catch (e) {
    return actionError(e, context);
  }
}

export default function HandoversPage() {
  const { handovers, candidates, simulator, detail, detailId, picker } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  return (
    <>
      <p className="muted">
        {t(
          '导购离职或调岗时，把客户转给接替导购：客户在 24 小时后自动接替，也可能拒绝。客户的历史订单、标签和指标都保留（同一个客户），只是服务导购变了。同一客户 90 天内只能转接一次，在职继承最多两次，回客会在调用前跳过。',
          'When a clerk leaves or moves, hand their customers to a takeover clerk: WeCom takes them over after 24 hours, and a customer may refuse. Orders, tags and metrics stay (same customer); only the serving clerk changes. A customer can be transferred once per 90 days and on the job at most twice; Huike skips those before calling.',
        )}
      </p>
      <FormResult data={result} ok={result && 'message' in result ? result.message : undefined} />
      <ResignedForm candidates={candidates} />
      <OnJobPicker candidates={candidates} picker={picker} />
      <DemoAction simulator={simulator} intent="fast-forward" testId="fast-forward">
        {t('演示：模拟 24 小时后（客户接替或拒绝）', 'Demo: 24 hours later (customers taken over or refusing)')}
      </DemoAction>
      <HandoversTable rows={handovers} />
      {detail ? <HandoverCustomersTable rows={detail} handoverId={detailId} /> : null}
    </>
  );
}
