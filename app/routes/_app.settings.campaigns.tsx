/**
 * Settings → 营销活动 (admins): the tenant's campaign guardrails — quiet hours, the frequency cap across all
 * campaigns, WeCom's receive-cap rule of the corp, the global control group — and whether a campaign needs an
 * admin's approval before its first send. Saved through the campaigns settings service (validated, audited).
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { CsrfInput } from '~/components/csrf';
import { FormResult } from '~/components/form-result';
import { campaignSettingsPage, saveCampaignSettings } from '~/lib/campaigns.server';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'settings.manage');
  return json(await campaignSettingsPage(context, actor));
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { actor, form } = await requireMutation(request, context, 'settings.manage');
  try {
    return json({ ok: true as const, error: undefined, settings: await saveCampaignSettings(context, actor, form) });
  } catch (e) {
    return actionError(e, context);
  }
}

const CAP_RULES = [
  ['month_days', '每月最多收到当月天数条', 'As many a month as the month has days'],
  ['week_7', '每周最多 7 条', '7 a week'],
  ['day_1', '每天最多 1 条', '1 a day'],
] as const;

export default function CampaignSettings() {
  const s = useLoaderData<typeof loader>();
  const a = useActionData<typeof action>();
  const t = useT();
  const nav = useNavigation();
  return (
    <Form method="post" className="card" data-testid="campaign-settings">
      <CsrfInput />
      <FormResult data={a} ok={t('已保存', 'Saved')} />
      <label>
        <input type="checkbox" name="approval_required" defaultChecked={s.approval_required} data-testid="approval-required" />{' '}
        {t('活动首次发送前需要管理员审批', 'A campaign needs an admin’s approval before its first send')}
      </label>
      <fieldset>
        <legend>{t('免打扰时段（租户时区）', 'Quiet hours (tenant time zone)')}</legend>
        <label><input type="checkbox" name="quiet_off" defaultChecked={s.quiet_hours === null} /> {t('不设免打扰时段', 'No quiet hours')}</label>
        <label>{t('开始', 'From')}<input name="quiet_start" defaultValue={s.quiet_hours?.start ?? '21:00'} pattern="\d{2}:\d{2}" /></label>
        <label>{t('结束', 'Until')}<input name="quiet_end" defaultValue={s.quiet_hours?.end ?? '09:00'} pattern="\d{2}:\d{2}" /></label>
      </fieldset>
      <fieldset>
        <legend>{t('频次上限（所有活动合计，群发与 1 对 1 都计入）', 'Frequency cap (all campaigns; mass and 1:1 both count)')}</legend>
        <label>{t('最多条数', 'At most')}<input type="number" name="frequency_max" min={1} max={100} defaultValue={s.frequency_cap.max} /></label>
        <label>{t('天数内', 'Within days')}<input type="number" name="frequency_days" min={1} max={90} defaultValue={s.frequency_cap.days} /></label>
      </fieldset>
      <label>{t('企业微信接收上限（与群发助手设置一致）', 'WeCom receive cap (as set in 群发助手)')}
        <select name="receive_cap_rule" defaultValue={s.receive_cap_rule}>
          {CAP_RULES.map(([v, zh, en]) => <option key={v} value={v}>{t(zh, en)}</option>)}
        </select>
      </label>
      <label>{t('全局对照组 %（这些客户永不接收活动，用于衡量整体效果）', 'Global control group % (never receive campaigns)')}<input type="number" name="control_pct" min={0} max={20} step={0.5} defaultValue={s.control_pct} /></label>
      <p><button type="submit" disabled={nav.state !== 'idle'} data-testid="save-campaign-settings">{t('保存', 'Save')}</button></p>
    </Form>
  );
}
