/**
 * The WeCom part of a customer profile below the orders: how the customer came and who serves them (each follow
 * relation: clerk, since, add way, channel, remark, remark mobiles, relation tags), groups, and the recent tag
 * changes with their state. The tags themselves (add/remove) head the profile (CustomerTagEditor).
 */
import { useFormat } from '~/lib/format';
import { useT } from '~/lib/i18n';
import type { CustomerTagJson } from './customer-tags';

export interface CustomerWecomJson {
  relations: {
    staffId: string;
    clerk: string;
    userid: string | null;
    store: string | null;
    addedAt: string | null;
    addWay: number | null;
    addWayLabel: [string, string];
    state: string | null;
    channel: string | null;
    remark: string | null;
    description: string | null;
    remarkMobiles: string[];
    endedAt: string | null;
    endReason: string | null;
    customerDeletedAt: string | null;
    tags: string[];
    mine: boolean;
  }[];
  tags: CustomerTagJson[];
  groups: { chatId: string; name: string; owner: string | null; members: number; joinedAt: string | null; dismissed: boolean }[];
  changes: { id: number; tag: string; op: 'add' | 'remove'; state: string; reason: string | null; actor: string; at: string; attempts: number }[];
}

const END_REASONS: Record<string, [string, string]> = {
  'sync.missing': ['同步时企业微信中已不存在', 'gone from WeCom at a sync'],
  clerk_deleted: ['导购删除了客户', 'the clerk deleted the customer'],
  transfer: ['在职继承转走', 'transferred to another clerk'],
  'wecom.missing': ['企业微信中已不存在', 'gone from WeCom'],
};

const CHANGE_STATE: Record<string, [string, string, string]> = {
  pending: ['待同步', 'pending', 'warn'],
  synced: ['已同步', 'synced', 'good'],
  failed: ['失败', 'failed', 'bad'],
  internal: ['内部生效', 'internal', ''],
};

export function CustomerWecomSection({ data }: { data: CustomerWecomJson }) {
  const t = useT();
  const f = useFormat();
  return (
    <section data-testid="customer-wecom">
      <h2>{t('企业微信', 'WeCom')}</h2>
      <div className="grid-2">
        <section className="card">
          <h3 style={{ marginTop: 0 }}>{t('客户群', 'Groups')}</h3>
          {data.groups.length === 0 ? <p className="muted">{t('不在任何客户群中', 'Not in any customer group')}</p> : null}
          {data.groups.map((g) => (
            <p key={g.chatId} style={{ margin: '.3rem 0' }}>
              <strong>{g.name || t('（未命名群）', '(unnamed group)')}</strong> · {t('群主', 'owner')} {g.owner ?? '—'} · {t(`${g.members} 人`, `${g.members} members`)}
              {g.joinedAt ? <span className="muted"> · {t('入群', 'joined')} {f.date(g.joinedAt)}</span> : null}
              {g.dismissed ? <span className="badge bad"> {t('已解散', 'dismissed')}</span> : null}
            </p>
          ))}
        </section>
        <section className="card">
          <h3 style={{ marginTop: 0 }}>{t('添加关系与来源', 'Relations and how they came')}</h3>
          {data.relations.length === 0 ? <p className="muted">{t('还没有导购在企业微信添加该客户', 'No clerk has added this customer on WeCom')}</p> : null}
          {data.relations.map((r) => (
            <div key={r.staffId} style={{ borderTop: '1px solid var(--line)', padding: '.5rem 0' }} data-testid="wecom-relation">
              <div>
                <strong>{r.clerk}</strong>
                {r.mine ? <span className="badge good"> {t('我', 'me')}</span> : null} <span className="muted">{r.store ?? ''}</span>
                {r.endedAt ? <span className="badge bad"> {t('已解除', 'ended')}</span> : null}
                {r.customerDeletedAt ? <span className="badge warn"> {t('客户已删除导购', 'customer deleted the clerk')}</span> : null}
              </div>
              <div className="muted">
                {t('添加于', 'Since')} {f.date(r.addedAt)} · {t(...r.addWayLabel)}
                {r.channel ? ` · ${t('渠道', 'channel')} ${r.channel}` : r.state ? ` · state ${r.state}` : ''}
                {r.endedAt ? ` · ${t('解除于', 'ended')} ${f.date(r.endedAt)}（${t(...(END_REASONS[r.endReason ?? ''] ?? [r.endReason ?? '', r.endReason ?? '']))}）` : ''}
              </div>
              {r.remark || r.description ? (
                <div>
                  {r.remark ? <span>{t('备注', 'Remark')}: {r.remark}</span> : null} {r.description ? <span className="muted">· {r.description}</span> : null}
                </div>
              ) : null}
              {r.remarkMobiles.length ? (
                <div className="muted">
                  {t('备注手机号', 'Remark mobiles')}: {r.remarkMobiles.join('、')}
                </div>
              ) : null}
              {r.tags.length ? (
                <div>
                  {r.tags.map((x) => (
                    <span key={x} className="badge" style={{ marginRight: '.25rem' }}>
                      {x}
                    </span>
                  ))}
                </div>
              ) : null}
            </div>
          ))}
        </section>
      </div>
      {data.changes.length > 0 ? (
        <section className="card">
          <h3 style={{ marginTop: 0 }}>{t('标签变更记录', 'Tag changes')}</h3>
          <div className="data-table">
            <table data-testid="tag-changes">
              <thead>
                <tr>
                  <th>{t('时间', 'When')}</th>
                  <th>{t('标签', 'Tag')}</th>
                  <th>{t('操作', 'Change')}</th>
                  <th>{t('写回企业微信', 'Write-back')}</th>
                  <th>{t('操作人', 'By')}</th>
                </tr>
              </thead>
              <tbody>
                {data.changes.map((c) => {
                  const st = CHANGE_STATE[c.state] ?? [c.state, c.state, ''];
                  return (
                    <tr key={c.id}>
                      <td>{f.dateTime(c.at)}</td>
                      <td>{c.tag}</td>
                      <td>{c.op === 'add' ? t('添加', 'add') : t('移除', 'remove')}</td>
                      <td style={{ whiteSpace: 'normal' }}>
                        <span className={`badge ${st[2]}`}>{t(st[0], st[1])}</span>
                        {c.attempts > 1 ? <span className="muted"> {t(`${c.attempts} 次尝试`, `${c.attempts} attempts`)}</span> : null}
                        {c.reason ? <div className="muted">{c.reason}</div> : null}
                      </td>
                      <td>{c.actor}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
    </section>
  );
}
