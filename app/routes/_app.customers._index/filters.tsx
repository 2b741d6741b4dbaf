/** The customers list's filter bar (stage, RFM group, store, due, birthday, level, marketing, tag) and the chips of filters set elsewhere. */
import { Form, Link, useLocation, useSubmit } from '@remix-run/react';
import { useRef } from 'react';
import { CsvButton } from '~/components/charts/csv-button';
import { TagFilter } from '~/components/customer-tags';
import { GROUP_LABELS, GROUP_ORDER, STAGE_LABELS, STAGE_ORDER, label } from '~/lib/analytics-labels';
import type { CsvColumn, CsvValue } from '~/lib/csv';
import { useT } from '~/lib/i18n';
import { newSegmentHref, ruleFromCustomerFilters } from '~/lib/segments/from-filters';
import type { CustomersData } from './route';

type Csv = { columns: CsvColumn[]; rows: Record<string, CsvValue>[] };

export function CustomerFilters({ d, csv }: { d: CustomersData; csv: Csv }) {
  const t = useT();
  const submit = useSubmit();
  const form = useRef<HTMLFormElement>(null);
  const { search } = useLocation();
  const fl = d.filters;
  const apply = () => form.current && submit(form.current);
  return (
    <Form method="get" ref={form} className="toolbar customer-filters">
      <input name="q" defaultValue={d.p.q ?? ''} placeholder={t('姓名或手机号后四位', 'Name or last digits of mobile')} />
      {d.computed ? (
        <>
          <select name="stage" defaultValue={fl.stage ?? ''} onChange={apply} aria-label={t('阶段', 'Stage')}>
            <option value="">{t('全部阶段', 'All stages')}</option>
            {STAGE_ORDER.map((s) => (
              <option key={s} value={s}>
                {label(STAGE_LABELS, s, t)}
              </option>
            ))}
          </select>
          <select name="group" defaultValue={fl.group ?? ''} onChange={apply} aria-label={t('RFM 分组', 'RFM group')}>
            <option value="">{t('全部 RFM 分组', 'All RFM groups')}</option>
            {GROUP_ORDER.map((g) => (
              <option key={g} value={g}>
                {label(GROUP_LABELS, g, t)}
              </option>
            ))}
          </select>
          {!d.isClerk && d.options.stores.length > 1 ? (
            <select name="store" defaultValue={fl.store ?? ''} onChange={apply} aria-label={t('门店', 'Store')}>
              <option value="">{t('全部门店', 'All stores')}</option>
              {d.options.stores.map((s) => (
                <option key={s.code} value={s.code}>
                  {s.name}
                </option>
              ))}
            </select>
          ) : null}
          <label className="inline-check">
            <input type="checkbox" name="due" value="1" defaultChecked={fl.due === true} onChange={apply} /> {t('只看待回访', 'Due only')}
          </label>
          <select name="birthday" defaultValue={fl.birthday ?? ''} onChange={apply} aria-label={t('生日', 'Birthday')}>
            <option value="">{t('生日不限', 'Any birthday')}</option>
            <option value="7">{t('未来 7 天生日', 'Birthday in 7 days')}</option>
            <option value="30">{t('未来 30 天生日', 'Birthday in 30 days')}</option>
          </select>
          <input name="level" defaultValue={fl.level ?? ''} placeholder={t('会员等级', 'Member level')} aria-label={t('会员等级', 'Member level')} size={8} />
          <select name="opt_out" defaultValue={fl.opt_out === undefined ? '' : fl.opt_out ? '1' : '0'} onChange={apply} aria-label={t('营销', 'Marketing')}>
            <option value="">{t('营销不限', 'Any marketing consent')}</option>
            <option value="0">{t('可营销', 'May be marketed to')}</option>
            <option value="1">{t('拒收营销', 'Opted out')}</option>
          </select>
          {fl.r ? <input type="hidden" name="r" value={fl.r} /> : null}
          {fl.fm ? <input type="hidden" name="fm" value={fl.fm} /> : null}
          {fl.region ? <input type="hidden" name="region" value={fl.region} /> : null}
          {fl.clerk ? <input type="hidden" name="clerk" value={fl.clerk} /> : null}
          {fl.first_from ? <input type="hidden" name="first_from" value={fl.first_from} /> : null}
          {fl.first_to ? <input type="hidden" name="first_to" value={fl.first_to} /> : null}
          {fl.points_min !== undefined ? <input type="hidden" name="points_min" value={fl.points_min} /> : null}
          {fl.reg_store ? <input type="hidden" name="reg_store" value={fl.reg_store} /> : null}
          {/* Without an explicit sort the due filter brings the priority order. */}
          {new URLSearchParams(search).has('sort') ? (
            <>
              <input type="hidden" name="sort" value={d.p.sort} />
              <input type="hidden" name="dir" value={d.p.dir} />
            </>
          ) : null}
        </>
      ) : null}
      <TagFilter options={d.wecom.tagOptions} value={fl.tag} onChange={apply} />
      <button type="submit" className="secondary">
        {t('搜索', 'Search')}
      </button>
      {d.computed ? <CsvButton fileName={`customers-p${d.p.page}`} columns={csv.columns} rows={csv.rows} /> : null}
      {d.computed && d.canSegment ? (
        <Link className="button secondary" to={newSegmentHref(ruleFromCustomerFilters(fl))}>
          {t('保存为分群', 'Save as segment')}
        </Link>
      ) : null}
    </Form>
  );
}

/** Chips for the filters the bar does not show (an RFM cell or a region, from the dashboards' links), each removable. */
export function FilterChips({ d }: { d: CustomersData }) {
  const t = useT();
  const { search, pathname } = useLocation();
  const without = (...keys: string[]) => {
    const q = new URLSearchParams(search);
    for (const k of [...keys, 'page']) q.delete(k);
    const s = q.toString();
    return s ? `${pathname}?${s}` : pathname;
  };
  const fl = d.filters;
  if (!(fl.r || fl.fm || fl.region)) return null;
  return (
    <div className="filters-inline">
      {fl.r || fl.fm ? (
        <span className="chip" data-chip="rfm-cell">
          {t('RFM 格', 'RFM cell')} R{fl.r ?? '*'} · FM{fl.fm ?? '*'}
          <Link to={without('r', 'fm')} aria-label={t('移除', 'Remove')}>
            ×
          </Link>
        </span>
      ) : null}
      {fl.region ? (
        <span className="chip">
          {t('区域', 'Region')} {d.options.regions.find((r) => r.code === fl.region)?.name ?? fl.region}
          <Link to={without('region')} aria-label={t('移除', 'Remove')}>
            ×
          </Link>
        </span>
      ) : null}
    </div>
  );
}
