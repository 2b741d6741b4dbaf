/** A customer's latest orders as a timeline (refunds marked), with their items. */
import type { SerializeFrom } from '@remix-run/node';
import { CHANNEL_LABELS, label } from '~/lib/analytics-labels';
import { num, yuan } from '~/lib/dashboard-format';
import { useT } from '~/lib/i18n';
import type { loader } from './route';

type Customer = SerializeFrom<typeof loader>['customer'];

export function OrdersSection({ c }: { c: Customer }) {
  const t = useT();
  return (
    <section className="card" data-section="orders">
      <h2 style={{ marginTop: 0 }}>
        {t('订单记录', 'Orders')} <span className="muted">({num(c.orderCount)})</span>
      </h2>
      {c.orders.length === 0 ? <p className="muted">{t('暂无订单', 'No orders yet')}</p> : null}
      <ol className="timeline">
        {c.orders.map((o) => (
          <li key={o.id} className={o.is_refund ? 'refund' : undefined}>
            <span>{o.paid_day}</span>
            <span>
              {o.is_refund ? <span className="badge bad">{t('退款', 'Refund')}</span> : null} {o.store ?? '—'} · {label(CHANNEL_LABELS, o.channel, t)}
              {o.clerk ? ` · ${o.clerk}` : ''}
              <span className="muted"> #{o.order_no}</span>
              {o.items.length ? (
                <div className="items">
                  {o.items
                    .slice(0, 4)
                    .map((i) => `${i.name ?? i.category ?? '—'}×${num(i.quantity, i.quantity % 1 ? 2 : 0)}`)
                    .join('、')}
                  {o.items.length > 4 ? ` …+${o.items.length - 4}` : ''}
                </div>
              ) : null}
            </span>
            <strong className="num">{yuan(o.amount_fen)}</strong>
          </li>
        ))}
      </ol>
      {c.orderCount > c.orders.length ? <p className="muted">{t(`仅显示最近 ${c.orders.length} 笔`, `Showing the latest ${c.orders.length}`)}</p> : null}
    </section>
  );
}
