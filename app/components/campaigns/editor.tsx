/**
 * The campaign form: name and goal, audience segment and exclusions, delivery mode, the message with the variables
 * its mode allows (mass: only the clerk's, each with a fallback — one text per clerk), attachments, schedule,
 * holdout, attribution window and the quiet-hours opt-out; a live preview as the customer sees it in WeCom.
 */
import { Form, useNavigation } from '@remix-run/react';
import { useState } from 'react';
import { CsrfInput } from '~/components/csrf';
import { checkVariables, variablesFor, type DeliveryMode } from '~/lib/contracts/campaign';
import { useT } from '~/lib/i18n';
import { WecomPreview, type PreviewAttachment } from './wecom-preview';

export function CampaignEditor({ segments, error }: { segments: { id: string; name: string; size: number }[]; error?: string }) {
  const t = useT();
  const nav = useNavigation();
  const [mode, setMode] = useState<DeliveryMode>('mass');
  const [text, setText] = useState('您好，我是{门店|我们门店}的{导购|您的专属导购}，本周会员日全场 9 折，欢迎到店～');
  const [kind, setKind] = useState('once');
  const [attachments, setAttachments] = useState('');
  const problems = checkVariables(text, mode);
  const previewAttachments: PreviewAttachment[] = attachments.split('\n').filter((l) => l.trim()).map((l) => {
    const [title, url] = l.split('|').map((x) => x.trim());
    return url ? { msgtype: 'link', link: { title, url } } : { msgtype: 'image', image: { pic_url: title } };
  });
  return (
    <Form method="post" className="cards" style={{ gridTemplateColumns: 'minmax(420px, 2fr) minmax(300px, 1fr)' }} data-testid="campaign-editor">
      <CsrfInput />
      <section className="card">
        {error ? <div className="alert error" role="alert">{error}</div> : null}
        <label>{t('活动名称', 'Name')}<input name="name" required maxLength={200} data-testid="campaign-name-input" /></label>
        <label>{t('目标', 'Goal')}<input name="goal" maxLength={500} placeholder={t('例如：唤回 30 天未复购的老客', 'e.g. bring back customers due for a repurchase')} /></label>
        <label>{t('受众分群（发送时计算）', 'Audience segment (evaluated at send time)')}
          <select name="segment_id" required data-testid="segment-select">
            <option value="">{t('选择分群', 'Choose a segment')}</option>
            {segments.map((s) => <option key={s.id} value={s.id}>{`${s.name}（${s.size}）`}</option>)}
          </select>
        </label>
        <label>{t('排除分群（可多选）', 'Exclude segments')}
          <select name="exclude_segment_ids" multiple size={Math.min(4, Math.max(2, segments.length))}>
            {segments.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
          </select>
        </label>
        <fieldset>
          <legend>{t('发送方式', 'Delivery')}</legend>
          <label><input type="radio" name="delivery" value="mass" checked={mode === 'mass'} onChange={() => setMode('mass')} /> {t('群发（每位导购一个企业微信群发任务）', 'Mass message (one WeCom task per clerk)')}</label>
          <label><input type="radio" name="delivery" value="one_to_one" checked={mode === 'one_to_one'} onChange={() => setMode('one_to_one')} /> {t('1 对 1 跟进（导购逐个发送个性化话术）', '1:1 follow-up (a personal script per customer)')}</label>
        </fieldset>
        <label>{t('消息正文', 'Message')}<textarea name="text" rows={5} value={text} onChange={(e) => setText(e.target.value)} data-testid="campaign-text" /></label>
        <p className="muted" data-testid="variables-help">
          {mode === 'mass'
            ? t(`群发任务对同一导购的所有客户内容相同，只能使用导购变量：${variablesFor('mass').map((v) => `{${v}|备用值}`).join('、')}；缺少值时使用“|”后的备用值。`, `A mass task sends one text to all of a clerk’s customers, so only the clerk’s variables are allowed: ${variablesFor('mass').map((v) => `{${v}|fallback}`).join(', ')}; the value after “|” is used when one is missing.`)
            : t(`1 对 1 话术可使用：${variablesFor('one_to_one').map((v) => `{${v}}`).join('、')}`, `A 1:1 script may use: ${variablesFor('one_to_one').map((v) => `{${v}}`).join(', ')}`)}
        </p>
        {problems.length > 0 ? <ul className="alert error" data-testid="variable-problems">{problems.map((p) => <li key={p}>{p}</li>)}</ul> : null}
        <label>{t('附件（每行一个，最多 9 个：“标题 | 链接”或图片地址）', 'Attachments (one a line, up to 9: “title | url” or an image url)')}<textarea name="attachments" rows={2} value={attachments} onChange={(e) => setAttachments(e.target.value)} /></label>
        <fieldset>
          <legend>{t('发送计划（租户时区）', 'Schedule (tenant time zone)')}</legend>
          <select name="schedule_kind" value={kind} onChange={(e) => setKind(e.target.value)} data-testid="schedule-kind">
            <option value="once">{t('一次', 'Once')}</option>
            <option value="recurring">{t('周期', 'Recurring')}</option>
            <option value="triggered">{t('触发式', 'Triggered')}</option>
          </select>
          {kind === 'once' ? <label>{t('发送时间（留空 = 审批/排期后立即）', 'Send at (empty = right after scheduling)')}<input type="datetime-local" name="at" /></label> : null}
          {kind === 'recurring' ? (
            <>
              <select name="frequency" defaultValue="weekly"><option value="daily">{t('每天', 'Daily')}</option><option value="weekly">{t('每周', 'Weekly')}</option><option value="monthly">{t('每月', 'Monthly')}</option></select>
              <span>{[1, 2, 3, 4, 5, 6, 7].map((d) => <label key={d} style={{ display: 'inline' }}><input type="checkbox" name="weekdays" value={d} defaultChecked={d === 5} />{'一二三四五六日'[d - 1]}</label>)}</span>
              <label>{t('每月几号', 'Day of month')}<input type="number" name="month_day" min={1} max={31} defaultValue={1} /></label>
            </>
          ) : null}
          {kind === 'triggered' ? (
            <select name="trigger" defaultValue="days_after_last_purchase">
              <option value="days_after_last_purchase">{t('最后一次购买后 N 天', 'N days after the last purchase')}</option>
              <option value="days_after_first_purchase">{t('首次购买后 N 天', 'N days after the first purchase')}</option>
              <option value="days_after_wecom_add">{t('添加企业微信后 N 天', 'N days after the WeCom add')}</option>
              <option value="entered_segment">{t('进入受众分群', 'Entering the audience segment')}</option>
            </select>
          ) : null}
          {kind === 'triggered' ? <label>N<input type="number" name="trigger_days" min={0} defaultValue={30} /></label> : null}
          {kind !== 'once' ? <label>{t('发送时刻', 'Time of day')}<input name="time" defaultValue="10:00" pattern="\d{2}:\d{2}" /></label> : null}
        </fieldset>
        <label>{t('对照组比例 %（不发送，用于衡量增量）', 'Holdout % (not sent, measures the uplift)')}<input type="number" name="holdout_pct" min={0} max={50} step={1} defaultValue={10} data-testid="holdout-pct" /></label>
        <label>{t('归因窗口（天）', 'Attribution window (days)')}<input type="number" name="attribution_days" min={1} max={90} defaultValue={7} /></label>
        <label><input type="checkbox" name="quiet_hours_off" /> {t('紧急服务消息：不遵守免打扰时段（将记入审计日志）', 'Urgent service message: ignore quiet hours (audited)')}</label>
        <p><button type="submit" disabled={nav.state !== 'idle' || problems.length > 0} data-testid="save-campaign">{t('保存草稿', 'Save draft')}</button></p>
      </section>
      <section className="card">
        <h2 style={{ marginTop: 0 }}>{t('客户在企业微信中看到', 'What the customer sees in WeCom')}</h2>
        <WecomPreview text={text} attachments={previewAttachments} />
        {mode === 'mass' ? <><p className="muted">{t('缺少导购信息时：', 'Without the clerk’s details:')}</p><WecomPreview text={text} attachments={[]} fallbacks /></> : null}
      </section>
    </Form>
  );
}
