/** Small pieces the campaign pages share: status badges, the schedule in words, a labelled progress bar. */
import { CAMPAIGN_STATUS_LABELS, TRIGGER_LABELS, type CampaignStatus, type TriggerType } from '~/lib/contracts/campaign';
import { DELIVERY_LABELS, RUN_STATUS_LABELS } from '~/lib/contracts/campaign-report';
import { useT } from '~/lib/i18n';

const TONE: Record<string, string> = { done: 'good', running: 'warn', sending: 'warn', sent: 'warn', scheduled: '', pending_approval: 'warn', failed: 'bad', cancelled: 'bad', draft: '', planning: '' };

export function StatusBadge({ status, run = false }: { status: string; run?: boolean }) {
  const t = useT();
  const l = (run ? RUN_STATUS_LABELS[status] : CAMPAIGN_STATUS_LABELS[status as CampaignStatus]) ?? { zh: status, en: status };
  return (
    <span className={`badge ${TONE[status] ?? ''}`} data-status={status}>
      {t(l.zh, l.en)}
    </span>
  );
}

export function DeliveryLabel({ delivery }: { delivery: 'mass' | 'one_to_one' }) {
  const t = useT();
  return <>{t(DELIVERY_LABELS[delivery].zh, DELIVERY_LABELS[delivery].en)}</>;
}

export const WEEKDAYS = [['一', 'Mon'], ['二', 'Tue'], ['三', 'Wed'], ['四', 'Thu'], ['五', 'Fri'], ['六', 'Sat'], ['日', 'Sun']] as const;

/** The schedule in words ("每周一、三 10:00", "Triggered: entered a segment"). */
export function ScheduleText({ schedule, format }: { schedule: { kind: string } & Record<string, unknown>; format: (iso: string) => string }) {
  const t = useT();
  if (schedule.kind === 'once') return <>{schedule.at ? t(`一次：${format(String(schedule.at))}`, `Once: ${format(String(schedule.at))}`) : t('一次：立即', 'Once: now')}</>;
  if (schedule.kind === 'recurring') {
    const time = String(schedule.time ?? '');
    if (schedule.frequency === 'daily') return <>{t(`每天 ${time}`, `Daily at ${time}`)}</>;
    if (schedule.frequency === 'weekly') {
      const days = ((schedule.weekdays as number[] | undefined) ?? []).map((d) => WEEKDAYS[d - 1]!);
      return <>{t(`每周${days.map((d) => d[0]).join('、')} ${time}`, `Weekly on ${days.map((d) => d[1]).join(', ')} at ${time}`)}</>;
    }
    return <>{t(`每月 ${String(schedule.month_day)} 日 ${time}`, `Monthly on day ${String(schedule.month_day)} at ${time}`)}</>;
  }
  const trigger = (schedule.trigger as { type?: string } | undefined)?.type;
  const label = trigger && trigger in TRIGGER_LABELS ? TRIGGER_LABELS[trigger as TriggerType] : null;
  return <>{label ? t(`触发式：${label.zh}，${String(schedule.time ?? '')}`, `Triggered: ${label.en}, at ${String(schedule.time ?? '')}`) : t('触发式', 'Triggered')}</>;
}

/** A progress bar with its numbers: `value` of `total`. */
export function Progress({ value, total, label, testId }: { value: number; total: number; label: string; testId?: string }) {
  const pct = total > 0 ? Math.min(100, (value / total) * 100) : 0;
  return (
    <div className="campaign-progress" data-testid={testId}>
      <div className="campaign-progress-head">
        <span>{label}</span>
        <span className="num">
          {value.toLocaleString('en-US')} / {total.toLocaleString('en-US')} ({pct.toFixed(1)}%)
        </span>
      </div>
      <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={total} aria-valuenow={value}>
        <div style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}
