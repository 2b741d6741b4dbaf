/** Per home store: buyers, expected repurchases, customers likely to lapse and the value at stake (a manager's first read). */
import type { SerializeFrom } from '@remix-run/node';
import { OTHER_STORES } from '~/lib/contracts/dashboard';
import { num, yuan } from '~/lib/dashboard-format';
import { useT } from '~/lib/i18n';
import type { loader } from './route';

type Data = SerializeFrom<typeof loader>;

export function PredictionStores({ stores }: { stores: Data['stores'] }) {
  const t = useT();
  return (
    <section className="card" data-testid="prediction-stores">
      <h2 style={{ marginTop: 0 }}>{t('按门店', 'By store')}</h2>
      <div className="data-table">
        <table>
          <thead>
            <tr>
              <th>{t('门店', 'Store')}</th>
              <th className="num">{t('购买客户', 'Buyers')}</th>
              <th className="num">{t('未来 90 天预计复购', 'Expected repurchases, 90 days')}</th>
              <th className="num">{t('可能流失', 'Likely to lapse')}</th>
              <th className="num">{t('流失风险金额', 'Value at stake')}</th>
              <th className="num">{t('12 个月预测价值', '12-month value')}</th>
            </tr>
          </thead>
          <tbody>
            {stores.map((r) => (
              <tr key={r.storeId ?? 'none'}>
                <td>{r.storeId === OTHER_STORES ? t('其他门店（本区域导购服务的客户）', 'Other stores (customers served by your clerks)') : (r.store ?? t('无门店', 'No store'))}</td>
                <td className="num">{num(r.buyers)}</td>
                <td className="num">{num(r.expected90, 0)}</td>
                <td className="num">{num(r.likelyToLapse)}</td>
                <td className="num">{yuan(r.valueAtStakeFen)}</td>
                <td className="num">{yuan(r.valueFen)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
