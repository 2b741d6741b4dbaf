/** The month grid of campaign runs: done (green), running (amber), planned by a schedule (dashed blue), cancelled. */
import { Link, useLocation } from '@remix-run/react';
import { dayOf, monthGrid, shiftMonth } from '~/lib/campaigns/calendar';
import type { CalendarEntry } from '~/lib/contracts/campaign';
import { dateFormat, useFormat } from '~/lib/format';
import { useT } from '~/lib/i18n';

const HEAD = [['一', 'Mon'], ['二', 'Tue'], ['三', 'Wed'], ['四', 'Thu'], ['五', 'Fri'], ['六', 'Sat'], ['日', 'Sun']] as const;

export function CampaignCalendar({ month, entries }: { month: string; entries: CalendarEntry[] }) {
  const t = useT();
  const f = useFormat();
  const { search } = useLocation();
  const to = (m: string) => {
    const q = new URLSearchParams(search);
    q.set('view', 'calendar');
    q.set('month', m);
    return `?${q.toString()}`;
  };
  const today = dayOf(new Date(), f.timezone);
  const byDay = new Map<string, CalendarEntry[]>();
  for (const e of entries) byDay.set(e.day, [...(byDay.get(e.day) ?? []), e]);
  const time = (iso: string) => dateFormat('en-GB', { timeZone: f.timezone, hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(iso));
  const label = { done: t('已发送', 'Sent'), running: t('发送中', 'Running'), planned: t('计划中', 'Planned'), cancelled: t('已取消', 'Cancelled') };
  return (
    <section className="card" data-testid="campaign-calendar">
      <div className="campaign-head" style={{ justifyContent: 'space-between' }}>
        <Link to={to(shiftMonth(month, -1))} data-testid="prev-month">
          ‹ {t('上个月', 'Previous')}
        </Link>
        <h2 style={{ margin: 0 }} data-testid="calendar-month">
          {month}
        </h2>
        <Link to={to(shiftMonth(month, 1))} data-testid="next-month">
          {t('下个月', 'Next')} ›
        </Link>
      </div>
      <p className="muted calendar-legend">
        {Object.entries(label).map(([k, v]) => (
          <span key={k} className={`entry ${k}`} style={{ marginRight: '1rem', display: 'inline-block' }}>
            {v}
          </span>
        ))}
        {t(`时区：${f.timezone}`, `Time zone: ${f.timezone}`)}
      </p>
      <table className="calendar">
        <thead>
          <tr>
            {HEAD.map((h) => (
              <th key={h[1]}>{t(`周${h[0]}`, h[1])}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {monthGrid(month).map((week) => (
            <tr key={week[0]!.day}>
              {week.map((d) => (
                <td key={d.day} className={[d.inMonth ? '' : 'out', d.day === today ? 'today' : ''].join(' ').trim() || undefined} data-day={d.day}>
                  <div className="day-no">{Number(d.day.slice(8))}</div>
                  {(byDay.get(d.day) ?? []).map((e) => (
                    <Link
                      key={`${e.campaign_id}-${e.at}`}
                      to={e.run_id ? `/campaigns/${e.campaign_id}/runs/${e.run_id}` : `/campaigns/${e.campaign_id}`}
                      className={`entry ${e.kind}`}
                      title={`${e.name} · ${label[e.kind]} · ${f.dateTime(e.at)}`}
                      data-kind={e.kind}
                    >
                      {time(e.at)} {e.name}
                    </Link>
                  ))}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
