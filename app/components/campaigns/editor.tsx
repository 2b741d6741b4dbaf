/**
 * The campaign form, for a new draft and for editing one: name and goal, audience segment and exclusions, delivery
 * mode and target (mass: also the clerks' customer group chats), the message with the variables its mode allows
 * (mass: only the clerk's, each with a fallback — one text per clerk), attachments, the schedule of every kind the
 * service runs (once; recurring daily / weekly / monthly between two days; triggered by each trigger with its
 * parameter and re-entry period), holdout, attribution window, priority, task expiry and the quiet-hours opt-out;
 * a live preview as the customer sees it in WeCom. The server validates with the shared zod contract and returns
 * its issues, shown per field (zh-CN, then English); the message and its attachments are checked with the same
 * contract while they are typed (save waits until they pass).
 */
import { Form, useNavigation } from '@remix-run/react';
import { useState } from 'react';
import { CsrfInput } from '~/components/csrf';
import { checkVariables, variablesFor, type DeliveryMode } from '~/lib/contracts/campaign';
import { attachmentsOf, contentIssues, NEW_CAMPAIGN_VALUES, type EditorValues, type FieldIssues } from '~/lib/contracts/campaign-editor';
import { useT } from '~/lib/i18n';
import { Issues } from './field-issues';
import { ScheduleFields } from './schedule-fields';
import { WecomPreview } from './wecom-preview';

/** size: null while a job computes the segment's members. */
export type Segments = { id: string; name: string; size: number | null }[];

export function CampaignEditor({ segments, error, issues, initial = NEW_CAMPAIGN_VALUES, submitLabel }: { segments: Segments; error?: string; issues?: FieldIssues; initial?: EditorValues; submitLabel?: string }) {
  const t = useT();
  const nav = useNavigation();
  const [mode, setMode] = useState<DeliveryMode>(initial.delivery);
  const [text, setText] = useState(initial.text);
  const [attachments, setAttachments] = useState(initial.attachments);
  const problems = checkVariables(text, mode);
  // The server's answer to the message, before it is sent: typed issues replace the server's for these fields.
  const live = text.trim() === '' && attachments.trim() === '' ? {} : contentIssues(text, attachments);
  const shown: FieldIssues = { ...Object.fromEntries(Object.entries(issues ?? {}).filter(([k]) => !k.startsWith('content.'))), ...live };
  return (
    <Form method="post" className="cards" style={{ gridTemplateColumns: 'minmax(420px, 2fr) minmax(300px, 1fr)' }} data-testid="campaign-editor">
      <CsrfInput />
      <section className="card">
        {error ? <div className="alert error" role="alert" data-testid="editor-error">{error}</div> : null}
        <label>{t('活动名称', 'Name')}<input name="name" required maxLength={200} defaultValue={initial.name} data-testid="campaign-name-input" /></label>
        <Issues issues={issues} prefix="name" />
        <label>{t('目标', 'Goal')}<input name="goal" maxLength={500} defaultValue={initial.goal} placeholder={t('例如：唤回 30 天未复购的老客', 'e.g. bring back customers due for a repurchase')} /></label>
        <AudienceFields segments={segments} initial={initial} issues={issues} />
        <DeliveryFields mode={mode} setMode={setMode} initial={initial} issues={issues} />
        <label>{t('消息正文', 'Message')}<textarea name="text" rows={5} value={text} onChange={(e) => setText(e.target.value)} data-testid="campaign-text" /></label>
        <p className="muted" data-testid="variables-help">
          {mode === 'mass'
            ? t(`群发任务对同一导购的所有客户内容相同，只能使用导购变量：${variablesFor('mass').map((v) => `{${v}|备用值}`).join('、')}；缺少值时使用“|”后的备用值。`, `A mass task sends one text to all of a clerk’s customers, so only the clerk’s variables are allowed: ${variablesFor('mass').map((v) => `{${v}|fallback}`).join(', ')}; the value after “|” is used when one is missing.`)
            : t(`1 对 1 话术可使用：${variablesFor('one_to_one').map((v) => `{${v}}`).join('、')}`, `A 1:1 script may use: ${variablesFor('one_to_one').map((v) => `{${v}}`).join(', ')}`)}
        </p>
        {problems.length > 0 ? <ul className="alert error" data-testid="variable-problems">{problems.map((p) => <li key={p}>{p}</li>)}</ul> : null}
        <Issues issues={shown} prefix="content.text" />
        <label>{t('附件（每行一个，最多 9 个：“标题 | 链接”或图片地址；图片在发送时上传到企业微信）', 'Attachments (one a line, up to 9: “title | url” or an image url; images are uploaded to WeCom when sent)')}<textarea name="attachments" rows={2} value={attachments} onChange={(e) => setAttachments(e.target.value)} data-testid="campaign-attachments" /></label>
        <Issues issues={shown} prefix="content.attachments" />
        <ScheduleFields segments={segments} initial={initial} issues={issues} />
        <GuardrailFields initial={initial} issues={issues} />
        <p><button type="submit" disabled={nav.state !== 'idle' || problems.length > 0 || Object.keys(live).length > 0} data-testid="save-campaign">{submitLabel ?? t('保存草稿', 'Save draft')}</button></p>
      </section>
      <section className="card">
        <h2 style={{ marginTop: 0 }}>{t('客户在企业微信中看到', 'What the customer sees in WeCom')}</h2>
        <WecomPreview text={text} attachments={attachmentsOf(attachments)} />
        {mode === 'mass' ? <><p className="muted">{t('缺少导购信息时：', 'Without the clerk’s details:')}</p><WecomPreview text={text} attachments={[]} fallbacks /></> : null}
      </section>
    </Form>
  );
}

function AudienceFields({ segments, initial, issues }: { segments: Segments; initial: EditorValues; issues?: FieldIssues }) {
  const t = useT();
  return (
    <>
      <label>{t('受众分群（发送时计算）', 'Audience segment (evaluated at send time)')}
        <select name="segment_id" required defaultValue={initial.segment_id} data-testid="segment-select">
          <option value="">{t('选择分群', 'Choose a segment')}</option>
          {segments.map((s) => <option key={s.id} value={s.id}>{`${s.name}（${s.size ?? t('计算中', 'computing')}）`}</option>)}
        </select>
      </label>
      <label>{t('排除分群（可多选）', 'Exclude segments')}
        <select name="exclude_segment_ids" multiple defaultValue={initial.exclude_segment_ids} size={Math.min(4, Math.max(2, segments.length))}>
          {segments.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
        </select>
      </label>
      <Issues issues={issues} prefix="audience" />
    </>
  );
}

function DeliveryFields({ mode, setMode, initial, issues }: { mode: DeliveryMode; setMode: (m: DeliveryMode) => void; initial: EditorValues; issues?: FieldIssues }) {
  const t = useT();
  return (
    <>
      <fieldset>
        <legend>{t('发送方式', 'Delivery')}</legend>
        <label><input type="radio" name="delivery" value="mass" checked={mode === 'mass'} onChange={() => setMode('mass')} /> {t('群发（每位导购一个企业微信群发任务）', 'Mass message (one WeCom task per clerk)')}</label>
        <label><input type="radio" name="delivery" value="one_to_one" checked={mode === 'one_to_one'} onChange={() => setMode('one_to_one')} /> {t('1 对 1 跟进（导购逐个发送个性化话术）', '1:1 follow-up (a personal script per customer)')}</label>
      </fieldset>
      {mode === 'mass' ? (
        <fieldset data-testid="target-fields">
          <legend>{t('发送对象', 'Send to')}</legend>
          <label><input type="radio" name="target" value="customers" defaultChecked={initial.target === 'customers'} /> {t('客户（单聊）', 'Customers (single chats)')}</label>
          <label><input type="radio" name="target" value="customers_and_groups" defaultChecked={initial.target === 'customers_and_groups'} data-testid="target-groups" /> {t('客户和导购的客户群（每位导购一个群发到群任务）', 'Customers and the clerks’ customer group chats (one group task per clerk)')}</label>
        </fieldset>
      ) : <input type="hidden" name="target" value="customers" />}
      <Issues issues={issues} prefix="target" />
      <Issues issues={issues} prefix="delivery" />
    </>
  );
}

function GuardrailFields({ initial, issues }: { initial: EditorValues; issues?: FieldIssues }) {
  const t = useT();
  return (
    <fieldset>
      <legend>{t('对照组与防打扰', 'Holdout and guardrails')}</legend>
      <label>{t('对照组比例 %（不发送，用于衡量增量）', 'Holdout % (not sent, measures the uplift)')}<input type="number" name="holdout_pct" min={0} max={50} step={1} defaultValue={initial.holdout_pct} data-testid="holdout-pct" /></label>
      <Issues issues={issues} prefix="holdout_pct" />
      <label>{t('归因窗口（天）', 'Attribution window (days)')}<input type="number" name="attribution_days" min={1} max={90} defaultValue={initial.attribution_days} /></label>
      <Issues issues={issues} prefix="attribution_days" />
      <label>{t('优先级（同期活动重叠时，优先级高的活动发送给该客户）', 'Priority (overlapping campaigns: the higher one gets the customer)')}<input type="number" name="priority" min={-100} max={100} defaultValue={initial.priority} data-testid="priority" /></label>
      <Issues issues={issues} prefix="priority" />
      <label>{t('任务有效期（小时，过期未发送的任务自动撤回）', 'Task expiry (hours; tasks still unsent are withdrawn)')}<input type="number" name="expire_hours" min={1} max={168} defaultValue={initial.expire_hours} data-testid="expire-hours" /></label>
      <Issues issues={issues} prefix="expire_hours" />
      <p className="muted">{t('频次上限、企业微信接收上限和免打扰时段是租户设置，对所有活动生效。', 'The frequency cap, WeCom’s receive cap and quiet hours are tenant settings that hold for every campaign.')}</p>
      <label><input type="checkbox" name="quiet_hours_off" defaultChecked={initial.quiet_hours_off} /> {t('紧急服务消息：不遵守免打扰时段（将记入审计日志）', 'Urgent service message: ignore quiet hours (audited)')}</label>
    </fieldset>
  );
}
