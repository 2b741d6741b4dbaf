/** The BG/NBD and Gamma-Gamma parameters, for analysts: a collapsed section at the end of the page. */
import type { SerializeFrom } from '@remix-run/node';
import { bilingual, num } from '~/lib/dashboard-format';
import { useT } from '~/lib/i18n';
import type { loader } from './route';

type Data = SerializeFrom<typeof loader>;

type Fitted = Extract<Data['model'], { status: 'fitted' }>;

const fmt = (v: number | null | undefined, d = 3) => (v === null || v === undefined ? '—' : v.toFixed(d));

export function ModelDetails({ m, fitMs }: { m: Fitted; fitMs: number | null }) {
  const t = useT();
  return (
    <details className="card model-details" data-testid="model-details">
      <summary>
        <h2>{t('模型详情（供分析人员参考）', 'Model details (for analysts)')}</h2>
      </summary>
      <div className="model-params">
        <div>
          <span>BG/NBD r</span>
          <b>{fmt(m.bgnbd.r)}</b>
        </div>
        <div>
          <span>α（{t('天', 'days')}）</span>
          <b>{fmt(m.bgnbd.alpha, 2)}</b>
        </div>
        <div>
          <span>a</span>
          <b>{fmt(m.bgnbd.a)}</b>
        </div>
        <div>
          <span>b</span>
          <b>{fmt(m.bgnbd.b)}</b>
        </div>
        <div>
          <span>{t('对数似然', 'Log-likelihood')}</span>
          <b>{num(m.bgnbd.log_likelihood, 1)}</b>
        </div>
        <div>
          <span>{t('收敛', 'Converged')}</span>
          <b>{m.bgnbd.converged ? t('是', 'yes') : t('否', 'no')}</b>
        </div>
        {m.gamma_gamma ? (
          <>
            <div>
              <span>Gamma-Gamma p</span>
              <b>{fmt(m.gamma_gamma.p)}</b>
            </div>
            <div>
              <span>q</span>
              <b>{fmt(m.gamma_gamma.q)}</b>
            </div>
            <div>
              <span>v（{t('分', 'fen')}）</span>
              <b>{fmt(m.gamma_gamma.v, 1)}</b>
            </div>
          </>
        ) : null}
        <div>
          <span>{t('客户 / 复购客户', 'Customers / repeaters')}</span>
          <b>
            {num(m.customers)} / {num(m.repeaters)}
          </b>
        </div>
        <div>
          <span>{t('拟合耗时', 'Fit time')}</span>
          <b>{fitMs === null ? '—' : `${num(fitMs)} ms`}</b>
        </div>
      </div>
      {m.reason ? <p className="muted">{bilingual(m.reason, t)}</p> : null}
      <p className="muted">{t(`模型按租户整体拟合（截至 ${m.as_of}），门店筛选只影响上方分布。`, `The model is fitted per tenant (as of ${m.as_of}); store filters only change the distributions above.`)}</p>
    </details>
  );
}
