/**
 * The dashboards' filters, held in the URL: period (from/to), region, store, channel. Changing a select applies
 * at once; dates apply with the button. Quick ranges set from/to relative to the data date.
 */
import { Form, Link, useLocation, useSubmit } from '@remix-run/react';
import { useRef } from 'react';
import { CHANNEL_LABELS, CHANNEL_ORDER } from '~/lib/analytics-labels';
import { useT } from '~/lib/i18n';

export interface FilterBarProps {
  from: string;
  to: string;
  region: string | null;
  store: string | null;
  channel: string | null;
  regions: { code: string; name: string }[];
  stores: { code: string; name: string; regionCode: string | null }[];
  asOf: string;
  showChannel?: boolean;
}

function minusDays(iso: string, days: number): string {
  return new Date(Date.parse(`${iso}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
}

export function FilterBar(p: FilterBarProps) {
  const t = useT();
  const submit = useSubmit();
  const form = useRef<HTMLFormElement>(null);
  const location = useLocation();
  const stores = p.region ? p.stores.filter((s) => s.regionCode === p.region) : p.stores;
  const apply = () => form.current && submit(form.current, { preventScrollReset: true });
  const quick = (days: number) => {
    const q = new URLSearchParams(location.search);
    q.set('from', minusDays(p.asOf, days - 1));
    q.set('to', p.asOf);
    return `${location.pathname}?${q.toString()}`;
  };
  return (
    <Form method="get" ref={form} className="filter-bar card" aria-label={t('筛选', 'Filters')} preventScrollReset>
      <label>
        {t('开始日期', 'From')}
        <input type="date" name="from" defaultValue={p.from} max={p.asOf} key={`f${p.from}`} />
      </label>
      <label>
        {t('结束日期', 'To')}
        <input type="date" name="to" defaultValue={p.to} max={p.asOf} key={`t${p.to}`} />
      </label>
      {p.regions.length > 1 ? (
        <label>
          {t('区域', 'Region')}
          <select name="region" defaultValue={p.region ?? ''} key={`r${p.region}`} onChange={(e) => {
            const storeSel = form.current?.elements.namedItem('store');
            if (storeSel instanceof HTMLSelectElement) storeSel.value = '';
            void e;
            apply();
          }}>
            <option value="">{t('全部区域', 'All regions')}</option>
            {p.regions.map((r) => (
              <option key={r.code} value={r.code}>
                {r.name}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <label>
        {t('门店', 'Store')}
        <select name="store" defaultValue={p.store ?? ''} key={`s${p.store}${p.region}`} onChange={apply}>
          <option value="">{t('全部门店', 'All stores')}</option>
          {stores.map((s) => (
            <option key={s.code} value={s.code}>
              {s.name}
            </option>
          ))}
        </select>
      </label>
      {p.showChannel !== false ? (
        <label>
          {t('渠道', 'Channel')}
          <select name="channel" defaultValue={p.channel ?? ''} key={`c${p.channel}`} onChange={apply}>
            <option value="">{t('全部渠道', 'All channels')}</option>
            {CHANNEL_ORDER.map((c) => (
              <option key={c} value={c}>
                {t(...CHANNEL_LABELS[c]!)}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <button type="submit">{t('应用', 'Apply')}</button>
      <span className="quick">
        <Link to={quick(30)} preventScrollReset>
          {t('近30天', '30 days')}
        </Link>
        <Link to={quick(90)} preventScrollReset>
          {t('近90天', '90 days')}
        </Link>
        <Link to={quick(365)} preventScrollReset>
          {t('近12个月', '12 months')}
        </Link>
        <Link to={location.pathname} preventScrollReset>
          {t('重置', 'Reset')}
        </Link>
      </span>
    </Form>
  );
}
