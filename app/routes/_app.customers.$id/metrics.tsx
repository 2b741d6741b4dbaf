/** A customer's repurchase metrics and predictions (P(alive) shown as "—" with the reason for one-purchase customers). */
import type { SerializeFrom } from '@remix-run/node';
import { P_ALIVE_ONE_PURCHASE, pAliveOnePurchase } from '~/lib/analytics-labels';
import { num, pct, yuan } from '~/lib/dashboard-format';
import { useT } from '~/lib/i18n';
import type { loader } from './route';

type Customer = SerializeFrom<typeof loader>['customer'];

export function MetricsSection({ m }: { m: Customer['metrics'] }) {
  const t = useT();
  return (
    <section className="card" data-section="metrics">
      <h2 style={{ marginTop: 0 }}>{t('复购指标', 'Repurchase metrics')}</h2>
      {m ? (
        <>
          <dl className="metric-grid">
            <div>
              <dt>{t('首次购买', 'First purchase')}</dt>
              <dd>{m.first_purchase ?? '—'}</dd>
            </div>
            <div>
              <dt>{t('最近购买', 'Last purchase')}</dt>
              <dd>{m.last_purchase ? `${m.last_purchase}（${t(`${m.recency_days} 天前`, `${m.recency_days} d ago`)}）` : '—'}</dd>
            </div>
            <div>
              <dt>{t('购买天数 F', 'Purchase days F')}</dt>
              <dd>{num(m.frequency)}</dd>
            </div>
            <div>
              <dt>{t('净消费 M', 'Net spend M')}</dt>
              <dd>
                {yuan(m.monetary_fen)}
                {m.refund_fen > 0 ? <span className="muted"> （{t('退款', 'refunds')} {yuan(m.refund_fen)}）</span> : null}
              </dd>
            </div>
            <div>
              <dt>{t('复购间隔中位数', 'Median interval')}</dt>
              <dd>{m.median_interval_days === null ? '—' : `${num(Number(m.median_interval_days), 1)} ${t('天', 'days')}`}</dd>
            </div>
            <div>
              <dt>{t('预计下次购买', 'Expected next purchase')}</dt>
              <dd>{m.expected_next_purchase ?? '—'}</dd>
            </div>
            <div>
              <dt>{t('P(仍活跃)', 'P(alive)')}</dt>
              <dd data-testid="p-alive">
                {pAliveOnePurchase(m) ? (
                  <>
                    — <span className="muted">{t(...P_ALIVE_ONE_PURCHASE)}</span>
                  </>
                ) : (
                  pct(m.p_alive)
                )}
              </dd>
            </div>
            <div>
              <dt>{t('未来 30 / 90 天预计购买', 'Expected purchases 30 / 90 d')}</dt>
              <dd>{m.exp_purchases_30 === null ? '—' : `${num(m.exp_purchases_30, 2)} / ${num(m.exp_purchases_90, 2)}`}</dd>
            </div>
            <div>
              <dt>{t('未来 12 个月预测价值', 'Predicted 12-month value')}</dt>
              <dd>{yuan(m.predicted_value_12m_fen)}</dd>
            </div>
            <div>
              <dt>t_x / T</dt>
              <dd>{m.tx_days === null ? '—' : `${m.tx_days} / ${m.t_days} ${t('天', 'days')}`}</dd>
            </div>
          </dl>
          <p className="muted" style={{ marginBottom: 0 }}>
            {t(`指标截至 ${m.as_of}`, `Metrics as of ${m.as_of}`)}
          </p>
        </>
      ) : (
        <p className="muted">{t('指标尚未计算（新客户会在几秒内完成计算）', 'Metrics not computed yet (new customers are picked up within seconds)')}</p>
      )}
    </section>
  );
}
