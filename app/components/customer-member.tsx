/** The member data of a customer (member import): level, points, birthday, register store and date, marketing opt-out. */
import type { MemberFacts } from '~/lib/contracts/member';
import { useFormat } from '~/lib/format';
import { useT } from '~/lib/i18n';

const pad = (n: number) => String(n).padStart(2, '0');

/** `1990-05-06`, or `05-06` when the year is not known. */
export function birthdayText(m: Pick<MemberFacts, 'birth_year' | 'birth_month' | 'birth_day'>): string | null {
  if (m.birth_month === null || m.birth_day === null) return null;
  return `${m.birth_year ? `${m.birth_year}-` : ''}${pad(m.birth_month)}-${pad(m.birth_day)}`;
}

export function CustomerMemberFacts({ member, className = 'card' }: { member: MemberFacts | null; className?: string }) {
  const t = useT();
  const f = useFormat();
  if (!member) return null;
  const rows: [string, string][] = [
    [t('会员号', 'Member number'), member.member_no ?? '—'],
    [t('会员等级', 'Level'), member.level ?? '—'],
    [t('积分', 'Points'), member.points === null ? '—' : f.number(member.points)],
    [t('生日', 'Birthday'), birthdayText(member) ?? '—'],
    [t('开卡门店', 'Registered at'), member.registered_store ?? '—'],
    [t('开卡日期', 'Registered on'), member.registered_on ?? '—'],
  ];
  return (
    <section className={className} data-section="member" data-testid="member-facts">
      <h2 style={{ marginTop: 0 }}>
        {t('会员信息', 'Member')}{' '}
        {member.opt_out ? (
          <span className="badge danger" data-testid="opted-out" title={member.opt_out_at ? f.dateTime(member.opt_out_at) : undefined}>
            {t('已拒收营销', 'Opted out of marketing')}
          </span>
        ) : null}
      </h2>
      <dl className="facts">
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt className="muted">{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {member.opt_out ? (
        <p className="muted">
          {t('该客户已拒收营销：不会出现在任何营销活动中。', 'This customer opted out of marketing: excluded from every campaign.')}
          {member.opt_out_at ? ` (${f.date(member.opt_out_at)})` : ''}
        </p>
      ) : null}
    </section>
  );
}
