/** The result of a finished (or cancelled) import: the counts of its kind and the stores and clerks it created. */
import type { SerializeFrom } from '@remix-run/node';
import { Link } from '@remix-run/react';
import { useFormat } from '~/lib/format';
import { useT } from '~/lib/i18n';
import { duration } from './progress';
import type { loader } from './route';

type Data = SerializeFrom<typeof loader>;

export function ImportResult({ d }: { d: Data }) {
  const t = useT();
  const f = useFormat();
  const c = d.counts;
  return (
    <div className="card">
      <h2>{t('结果', 'Result')}</h2>
      {d.kind === 'members' ? (
        <div className="cards" data-testid="member-result">
          <div className="kpi"><div className="label">{t('新建客户（新会员）', 'Customers created (new members)')}</div><div className="value">{f.number(c.customersCreated)}</div></div>
          <div className="kpi"><div className="label">{t('更新的客户', 'Customers updated')}</div><div className="value">{f.number(c.membersUpdated)}</div></div>
          <div className="kpi"><div className="label">{t('未变化', 'Unchanged')}</div><div className="value">{f.number(c.membersUnchanged)}</div></div>
          <div className="kpi"><div className="label">{t('被拒会员', 'Members rejected')}</div><div className="value">{f.number(c.membersRejected)}</div></div>
          <div className="kpi"><div className="label">{t('已是企微客户的会员', 'Members who are WeCom customers')}</div><div className="value">{f.number(c.membersLinked)}</div></div>
          <div className="kpi"><div className="label">{t('合并的客户', 'Customers merged')}</div><div className="value">{f.number(c.merged)}</div></div>
        </div>
      ) : (
      <div className="cards">
        <div className="kpi"><div className="label">{t('新建订单', 'Orders created')}</div><div className="value">{f.number(c.created)}</div></div>
        <div className="kpi"><div className="label">{t('更新订单', 'Orders updated')}</div><div className="value">{f.number(c.updated)}</div></div>
        <div className="kpi"><div className="label">{t('未变化订单', 'Orders unchanged')}</div><div className="value">{f.number(c.unchanged)}</div></div>
        <div className="kpi"><div className="label">{t('被拒订单', 'Orders rejected')}</div><div className="value">{f.number(c.rejectedOrders)}</div></div>
        <div className="kpi"><div className="label">{t('新建客户', 'Customers created')}</div><div className="value">{f.number(c.customersCreated)}</div></div>
        <div className="kpi"><div className="label">{t('补关联的匿名订单', 'Anonymous orders linked')}</div><div className="value">{f.number(c.linked)}</div></div>
        <div className="kpi"><div className="label">{t('合并的客户', 'Customers merged')}</div><div className="value">{f.number(c.merged)}</div></div>
        <div className="kpi"><div className="label">{t('新建门店 / 导购', 'Stores / clerks created')}</div><div className="value">{f.number(c.stores)} / {f.number(c.clerks)}</div></div>
      </div>
      )}
      {d.identicalTo ? (
        <p className="muted" data-testid="identical-to">
          {t('文件与之前的导入完全相同，且之后数据未变：结果取自', 'The file is identical to an earlier import and nothing changed since: the result is that of')}{' '}
          <Link to={`/imports/${d.identicalTo}`}>{t('该导入', 'import')} {d.identicalTo.slice(0, 8)}</Link>
          {t('，未重新读取。', ', without reading the file again.')}
        </p>
      ) : null}
      {d.storesCreated.length || d.clerksCreated.length ? (
        <div className="alert" data-testid="created-entities">
          {d.storesCreated.length ? (
            <p>
              {t(`按你的选择新建了 ${d.storesCreated.length} 个门店（标记为导入，请在“设置 › 门店”中补充区域）：`, `Created ${d.storesCreated.length} store(s) as you chose (marked as imported; add their region in Settings › Stores): `)}
              <strong>{d.storesCreated.join('、')}</strong>
            </p>
          ) : null}
          {d.clerksCreated.length ? (
            <p>
              {t(`按你的选择新建了 ${d.clerksCreated.length} 名导购（标记为导入）：`, `Created ${d.clerksCreated.length} clerk(s) as you chose (marked as imported): `)}
              <strong>{d.clerksCreated.join('、')}</strong>
            </p>
          ) : null}
        </div>
      ) : null}
      <p className="muted">
        {t('用时', 'Took')} {d.startedAt && d.finishedAt ? duration((new Date(d.finishedAt).getTime() - new Date(d.startedAt).getTime()) / 1000, t) : '—'} · {d.by}
        {d.presetName ? ` · ${t('预设', 'preset')} ${d.presetName}` : ''}
      </p>
    </div>
  );
}
