/**
 * The editor's schedule: once (at a local time, or right after scheduling), recurring (daily, weekly on chosen
 * days, monthly on a day; between an optional first and last day) or triggered (each trigger the service evaluates,
 * with its parameter, and the re-entry period); times in the tenant's zone.
 */
import { useState } from 'react';
import { TRIGGER_LABELS, TRIGGER_TYPES, type TriggerType } from '~/lib/contracts/campaign';
import { useT } from '~/lib/i18n';
import type { EditorValues, FieldIssues } from '~/lib/contracts/campaign-editor';
import { Issues } from './field-issues';
import { WEEKDAYS } from './labels';

type Segments = { id: string; name: string }[];

export function ScheduleFields({ segments, initial, issues }: { segments: Segments; initial: EditorValues; issues?: FieldIssues }) {
  const t = useT();
  const [kind, setKind] = useState(initial.schedule_kind);
  return (
    <fieldset data-testid="schedule-fields">
      <legend>{t('发送计划（租户时区）', 'Schedule (tenant time zone)')}</legend>
      <select name="schedule_kind" value={kind} onChange={(e) => setKind(e.target.value as EditorValues['schedule_kind'])} data-testid="schedule-kind">
        <option value="once">{t('一次', 'Once')}</option>
        <option value="recurring">{t('周期', 'Recurring')}</option>
        <option value="triggered">{t('触发式', 'Triggered')}</option>
      </select>
      {kind === 'once' ? <label>{t('发送时间（留空 = 审批/排期后立即）', 'Send at (empty = right after scheduling)')}<input type="datetime-local" name="at" defaultValue={initial.at} data-testid="schedule-at" /></label> : null}
      {kind === 'recurring' ? <RecurringFields initial={initial} /> : null}
      {kind === 'triggered' ? <TriggerFields segments={segments} initial={initial} /> : null}
      {kind !== 'once' ? <label>{t('发送时刻', 'Time of day')}<input name="time" defaultValue={initial.time} pattern="\d{2}:\d{2}" data-testid="schedule-time" /></label> : null}
      <Issues issues={issues} prefix="schedule" testId="issues-schedule" />
    </fieldset>
  );
}

function RecurringFields({ initial }: { initial: EditorValues }) {
  const t = useT();
  const [frequency, setFrequency] = useState(initial.frequency);
  return (
    <>
      <select name="frequency" value={frequency} onChange={(e) => setFrequency(e.target.value as EditorValues['frequency'])} data-testid="frequency">
        <option value="daily">{t('每天', 'Daily')}</option>
        <option value="weekly">{t('每周', 'Weekly')}</option>
        <option value="monthly">{t('每月', 'Monthly')}</option>
      </select>
      {frequency === 'weekly' ? (
        <span data-testid="weekdays">
          {WEEKDAYS.map(([zh, en], i) => (
            <label key={en} style={{ display: 'inline' }}><input type="checkbox" name="weekdays" value={i + 1} defaultChecked={initial.weekdays.includes(i + 1)} />{t(zh, en)}</label>
          ))}
        </span>
      ) : null}
      {frequency === 'monthly' ? <label>{t('每月几号（小月取最后一天）', 'Day of month (a shorter month: its last day)')}<input type="number" name="month_day" min={1} max={31} defaultValue={initial.month_day} data-testid="month-day" /></label> : null}
      <label>{t('开始日期（可选）', 'First day (optional)')}<input type="date" name="starts_on" defaultValue={initial.starts_on} /></label>
      <label>{t('结束日期（可选）', 'Last day (optional)')}<input type="date" name="ends_on" defaultValue={initial.ends_on} data-testid="ends-on" /></label>
    </>
  );
}

function TriggerFields({ segments, initial }: { segments: Segments; initial: EditorValues }) {
  const t = useT();
  const [trigger, setTrigger] = useState<TriggerType>(initial.trigger);
  const withDays = trigger === 'days_after_first_purchase' || trigger === 'days_after_last_purchase' || trigger === 'days_after_wecom_add';
  return (
    <>
      <select name="trigger" value={trigger} onChange={(e) => setTrigger(e.target.value as TriggerType)} data-testid="trigger">
        {TRIGGER_TYPES.map((k) => <option key={k} value={k}>{t(TRIGGER_LABELS[k].zh, TRIGGER_LABELS[k].en)}</option>)}
      </select>
      {withDays ? <label>{t('N（天）', 'N (days)')}<input type="number" name="trigger_days" min={0} max={3650} defaultValue={initial.trigger_days} data-testid="trigger-days" /></label> : null}
      {trigger === 'entered_segment' ? (
        <label>{t('触发分群', 'Segment to watch')}
          <select name="trigger_segment_id" defaultValue={initial.trigger_segment_id} data-testid="trigger-segment">
            <option value="">{t('与受众分群相同', 'The audience segment')}</option>
            {segments.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
          </select>
        </label>
      ) : null}
      {trigger === 'ordered_sku' ? <label>{t('商品编码（SKU）', 'SKU')}<input name="sku" maxLength={128} defaultValue={initial.sku} data-testid="trigger-sku" /></label> : null}
      {trigger === 'ordered_category' ? <label>{t('品类', 'Category')}<input name="category" maxLength={128} defaultValue={initial.category} data-testid="trigger-category" /></label> : null}
      {trigger === 'birthday' ? <label>{t('提前天数（0 = 生日当天）', 'Days before (0 = on the day)')}<input type="number" name="days_before" min={0} max={30} defaultValue={initial.days_before} data-testid="trigger-days-before" /></label> : null}
      <label>{t('重新触发间隔（天；留空 = 每位客户只触发一次）', 'Re-entry period (days; empty = once per customer)')}<input type="number" name="reentry_days" min={1} max={3650} defaultValue={initial.reentry_days} data-testid="reentry-days" /></label>
    </>
  );
}
