/**
 * The segment rule builder: groups of conditions (AND between groups, OR inside), an exclusion group, a field
 * picker by category, and an input fit for each field type (tag / store / clerk pickers, relative dates, order
 * windows, a server-side search of the tenant's sold SKUs and categories). It edits the wire format itself (app/lib/segments/rule.ts), so what the browser holds is what the
 * server parses.
 */
import { useFetcher } from '@remix-run/react';
import { useEffect, useState, type ReactNode } from 'react';
import { CATEGORY_LABELS, FIELDS, fieldDef, OP_LABELS, opsFor, type Category, type Condition, type FieldDef, type Op, type Rule, type RuleWindow } from '~/lib/segments/rule';
import { useT } from '~/lib/i18n';

export interface BuilderOptionsJson {
  stores: { id: string; code: string; name: string }[];
  regions: { code: string; name: string }[];
  clerks: { id: string; name: string; store: string | null }[];
  tags: { id: string; name: string; groupName: string }[];
  groups: { chatId: string; name: string }[];
  segments: { id: string; name: string }[];
}

type T = (zh: string, en: string) => string;
const RELATIVE: Op[] = ['in_last_days', 'more_than_days_ago', 'in_next_days'];

export function defaultCondition(key: string): Condition {
  const f = fieldDef(key)!;
  const op = opsFor(f)[0]!;
  return { field: key, op, value: defaultValue(f, op) };
}

function defaultValue(f: FieldDef, op: Op): unknown {
  if (op === 'empty' || op === 'not_empty') return undefined;
  if (RELATIVE.includes(op)) return 30;
  if (op === 'between_days_ago') return [30, 90];
  switch (f.type) {
    case 'number':
    case 'money':
    case 'probability':
      return op === 'between' ? [f.min ?? 0, f.max ?? 1] : (f.min ?? 1);
    case 'bool':
      return true;
    case 'enum':
      return op === 'in' || op === 'not_in' ? [f.options![0]!.value] : f.options![0]!.value;
    case 'date':
      return op === 'between' ? ['2026-01-01', '2026-12-31'] : '2026-01-01';
    case 'text':
      return op === 'in' || op === 'not_in' ? [] : '';
    default:
      return [];
  }
}

export function RuleBuilder({ rule, onChange, options }: { rule: Rule; onChange: (r: Rule) => void; options: BuilderOptionsJson }) {
  const t = useT();
  const setGroup = (i: number, any: Condition[]) => onChange({ ...rule, all: any.length ? rule.all.map((g, j) => (j === i ? { any } : g)) : rule.all.filter((_, j) => j !== i) });
  return (
    <div className="rule-builder">
      {rule.all.map((g, i) => (
        <div key={i}>
          {i > 0 ? <div className="rule-and">{t('并且', 'AND')}</div> : null}
          <ConditionList
            title={t(`条件组 ${i + 1}：满足以下任一条件`, `Group ${i + 1}: any of`)}
            testId={`group-${i}`}
            conditions={g.any}
            onChange={(any) => setGroup(i, any)}
            options={options}
            t={t}
          />
        </div>
      ))}
      <button type="button" className="secondary" onClick={() => onChange({ ...rule, all: [...rule.all, { any: [defaultCondition('stage')] }] })}>
        + {t('添加条件组', 'Add a group')}
      </button>
      <ConditionList title={t('排除：满足以下任一条件的客户', 'But not: customers matching any of')} testId="none" conditions={rule.none} onChange={(none) => onChange({ ...rule, none })} options={options} t={t} allowEmpty />
    </div>
  );
}

function ConditionList({ title, conditions, onChange, options, t, testId, allowEmpty }: { title: string; conditions: Condition[]; onChange: (c: Condition[]) => void; options: BuilderOptionsJson; t: T; testId: string; allowEmpty?: boolean }) {
  return (
    <fieldset className="card rule-group" data-testid={testId}>
      <legend>{title}</legend>
      {conditions.length === 0 && allowEmpty ? <p className="muted">{t('无', 'None')}</p> : null}
      {conditions.map((c, j) => (
        <div key={j}>
          {j > 0 ? <div className="rule-or">{t('或', 'OR')}</div> : null}
          <ConditionRow cond={c} options={options} t={t} onChange={(n) => onChange(conditions.map((x, k) => (k === j ? n : x)))} onRemove={() => onChange(conditions.filter((_, k) => k !== j))} />
        </div>
      ))}
      <button type="button" className="link" onClick={() => onChange([...conditions, defaultCondition('stage')])}>
        + {t('添加条件', 'Add a condition')}
      </button>
    </fieldset>
  );
}

function ConditionRow({ cond, onChange, onRemove, options, t }: { cond: Condition; onChange: (c: Condition) => void; onRemove: () => void; options: BuilderOptionsJson; t: T }) {
  const f = fieldDef(cond.field);
  const categories = Object.keys(CATEGORY_LABELS) as Category[];
  return (
    <div className="rule-cond" data-testid="condition">
      <select aria-label={t('字段', 'Field')} value={cond.field} onChange={(e) => onChange(defaultCondition(e.target.value))}>
        {categories.map((c) => (
          <optgroup key={c} label={t(...CATEGORY_LABELS[c])}>
            {FIELDS.filter((x) => x.category === c).map((x) => (
              <option key={x.key} value={x.key}>
                {t(...x.label)}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
      {f ? (
        <>
          <select aria-label={t('运算', 'Operator')} value={cond.op} onChange={(e) => onChange({ ...cond, op: e.target.value as Op, value: defaultValue(f, e.target.value as Op) })}>
            {opsFor(f).map((op) => (
              <option key={op} value={op}>
                {t(...OP_LABELS[op])}
              </option>
            ))}
          </select>
          <ValueInput f={f} cond={cond} onChange={(value) => onChange({ ...cond, value })} options={options} t={t} />
          {f.window ? <WindowInput value={cond.window} onChange={(window) => onChange(window ? { ...cond, window } : { field: cond.field, op: cond.op, value: cond.value })} t={t} /> : null}
          {f.hint ? <span className="muted hint">{t(...f.hint)}</span> : null}
        </>
      ) : null}
      <button type="button" className="link danger" aria-label={t('删除条件', 'Remove condition')} onClick={onRemove}>
        ×
      </button>
    </div>
  );
}

function numberIn(v: unknown, onChange: (n: number) => void, label: string, scale = 1, step = 'any'): ReactNode {
  return (
    <input
      type="number"
      aria-label={label}
      step={step}
      value={typeof v === 'number' ? v / scale : ''}
      onChange={(e) => onChange(e.target.value === '' ? NaN : Math.round(Number(e.target.value) * scale * 1000) / 1000)}
    />
  );
}

function ValueInput({ f, cond, onChange, options, t }: { f: FieldDef; cond: Condition; onChange: (v: unknown) => void; options: BuilderOptionsJson; t: T }) {
  const { op, value } = cond;
  if (op === 'empty' || op === 'not_empty') return null;
  const label = t('值', 'Value');
  if (RELATIVE.includes(op)) return <span className="rule-days">N = {numberIn(value, onChange, label, 1, '1')} {t('天', 'days')}</span>;
  if (op === 'between_days_ago') {
    const [a, b] = (value as [number, number]) ?? [0, 0];
    return (
      <span className="rule-days">
        {numberIn(a, (n) => onChange([n, b]), label, 1, '1')} – {numberIn(b, (n) => onChange([a, n]), label, 1, '1')} {t('天前', 'days ago')}
      </span>
    );
  }
  switch (f.type) {
    case 'number':
    case 'probability':
    case 'money': {
      const scale = f.type === 'money' ? 100 : 1;
      const unit = f.type === 'money' ? t('元', 'CNY') : '';
      if (op === 'between') {
        const [a, b] = (value as [number, number]) ?? [0, 0];
        return (
          <span>
            {numberIn(a, (n) => onChange([n, b]), label, scale)} – {numberIn(b, (n) => onChange([a, n]), label, scale)} {unit}
          </span>
        );
      }
      return (
        <span>
          {numberIn(value, onChange, label, scale)} {unit}
        </span>
      );
    }
    case 'date':
      if (op === 'between') {
        const [a, b] = (value as [string, string]) ?? ['', ''];
        return (
          <span>
            <input type="date" aria-label={label} value={a} onChange={(e) => onChange([e.target.value, b])} /> – <input type="date" aria-label={label} value={b} onChange={(e) => onChange([a, e.target.value])} />
          </span>
        );
      }
      return <input type="date" aria-label={label} value={String(value ?? '')} onChange={(e) => onChange(e.target.value)} />;
    case 'bool':
      return (
        <select aria-label={label} value={String(value)} onChange={(e) => onChange(e.target.value === 'true')}>
          <option value="true">{t('是', 'Yes')}</option>
          <option value="false">{t('否', 'No')}</option>
        </select>
      );
    case 'enum':
      return op === 'in' || op === 'not_in' ? (
        <Multi label={label} value={value as string[]} onChange={onChange} items={f.options!.map((o) => ({ value: o.value, label: t(...o.label) }))} />
      ) : (
        <select aria-label={label} value={String(value)} onChange={(e) => onChange(e.target.value)}>
          {f.options!.map((o) => (
            <option key={o.value} value={o.value}>
              {t(...o.label)}
            </option>
          ))}
        </select>
      );
    case 'sku':
    case 'category':
      return <CatalogueSearch kind={f.type} value={(value as string[]) ?? []} onChange={onChange} t={t} />;
    case 'text':
      return op === 'in' || op === 'not_in' ? (
        <input aria-label={label} placeholder={t('多个用逗号分隔', 'Comma-separated')} value={((value as string[]) ?? []).join(',')} onChange={(e) => onChange(e.target.value.split(/[,，]/).map((s) => s.trim()).filter(Boolean))} />
      ) : (
        <input aria-label={label} value={String(value ?? '')} onChange={(e) => onChange(e.target.value)} />
      );
    default:
      return <Multi label={label} value={value as string[]} onChange={onChange} items={pickerItems(f, options)} />;
  }
}

function pickerItems(f: FieldDef, o: BuilderOptionsJson): { value: string; label: string; group?: string }[] {
  switch (f.type) {
    case 'store':
      return o.stores.map((s) => ({ value: s.code, label: s.name }));
    case 'region':
      return o.regions.map((r) => ({ value: r.code, label: r.name }));
    case 'clerk':
      return o.clerks.map((c) => ({ value: c.id, label: c.store ? `${c.name}（${c.store}）` : c.name }));
    case 'tags':
      return o.tags.map((x) => ({ value: x.id, label: x.name, group: x.groupName }));
    case 'groups':
      return o.groups.map((g) => ({ value: g.chatId, label: g.name }));
    case 'segment':
      return o.segments.map((s) => ({ value: s.id, label: s.name }));
    default:
      return [];
  }
}

type CatalogueData = { ok: true; items: { value: string; label: string | null; lines: number }[] } | { ok: false; error: string };

/**
 * SKU / category search: the chosen values as chips, and a type-ahead against the tenant's sold values
 * (/segments/catalogue, server-side, most sold first); only values found there can be chosen.
 */
function CatalogueSearch({ kind, value, onChange, t }: { kind: 'sku' | 'category'; value: string[]; onChange: (v: string[]) => void; t: T }) {
  const [q, setQ] = useState('');
  const [open, setOpen] = useState(false);
  const fetcher = useFetcher<CatalogueData>();
  useEffect(() => {
    if (!open) return;
    const h = setTimeout(() => fetcher.load(`/segments/catalogue?kind=${kind}&q=${encodeURIComponent(q)}`), 250);
    return () => clearTimeout(h);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [q, kind, open]);
  const items = fetcher.data?.ok ? fetcher.data.items.filter((i) => !value.includes(i.value)) : [];
  const label = kind === 'sku' ? t('搜索商品编码或名称', 'Search SKU code or name') : t('搜索品类', 'Search categories');
  return (
    <span className="rule-catalogue" data-testid={`catalogue-${kind}`}>
      {value.map((v) => (
        <span key={v} className="badge">
          {v}
          <button type="button" className="link" aria-label={t(`移除 ${v}`, `Remove ${v}`)} onClick={() => onChange(value.filter((x) => x !== v))}>
            ×
          </button>
        </span>
      ))}
      <input type="search" aria-label={label} placeholder={label} value={q} onFocus={() => setOpen(true)} onChange={(e) => setQ(e.target.value)} />
      {open && items.length ? (
        <span className="rule-suggestions" role="listbox">
          {items.map((i) => (
            <button
              type="button"
              role="option"
              aria-selected={false}
              key={i.value}
              className="secondary"
              onClick={() => {
                onChange([...value, i.value]);
                setQ('');
              }}
            >
              {i.label ? `${i.value} · ${i.label}` : i.value} <small className="muted">{t(`${i.lines} 行`, `${i.lines} lines`)}</small>
            </button>
          ))}
        </span>
      ) : open && fetcher.state === 'idle' && fetcher.data?.ok && q ? (
        <span className="muted">{t('没有找到', 'Nothing found')}</span>
      ) : null}
    </span>
  );
}

/** A multi-select picker (tags grouped by tag group). */
function Multi({ label, value, onChange, items }: { label: string; value: string[] | undefined; onChange: (v: string[]) => void; items: { value: string; label: string; group?: string }[] }) {
  const groups = [...new Set(items.map((i) => i.group ?? ''))];
  const opts = (g: string) =>
    items
      .filter((i) => (i.group ?? '') === g)
      .map((i) => (
        <option key={i.value} value={i.value}>
          {i.label}
        </option>
      ));
  return (
    <select multiple aria-label={label} className="rule-multi" value={value ?? []} onChange={(e) => onChange([...e.target.selectedOptions].map((x) => x.value))}>
      {groups.length > 1 || groups[0] ? groups.map((g) => <optgroup key={g} label={g}>{opts(g)}</optgroup>) : opts('')}
    </select>
  );
}

function WindowInput({ value, onChange, t }: { value: RuleWindow | undefined; onChange: (w: RuleWindow | undefined) => void; t: T }) {
  const kind = !value ? 'all' : 'last_days' in value ? 'last_days' : 'days_ago' in value ? 'days_ago' : 'since';
  const set = (k: string) => onChange(k === 'all' ? undefined : k === 'last_days' ? { last_days: 90 } : k === 'days_ago' ? { days_ago: [30, 90] } : { since: '2026-01-01' });
  return (
    <span className="rule-window">
      <select aria-label={t('时间范围', 'Window')} value={kind} onChange={(e) => set(e.target.value)}>
        <option value="all">{t('全部历史', 'All history')}</option>
        <option value="last_days">{t('最近 N 天', 'Last N days')}</option>
        <option value="days_ago">{t('N 到 M 天前', 'N to M days ago')}</option>
        <option value="since">{t('自某日起', 'Since a date')}</option>
      </select>
      {value && 'last_days' in value ? numberIn(value.last_days, (n) => onChange({ last_days: n }), t('天数', 'Days'), 1, '1') : null}
      {value && 'days_ago' in value ? (
        <>
          {numberIn(value.days_ago[0], (n) => onChange({ days_ago: [n, value.days_ago[1]] }), t('天数', 'Days'), 1, '1')} –{' '}
          {numberIn(value.days_ago[1], (n) => onChange({ days_ago: [value.days_ago[0], n] }), t('天数', 'Days'), 1, '1')}
        </>
      ) : null}
      {value && 'since' in value ? <input type="date" aria-label={t('起始日', 'Since')} value={value.since} onChange={(e) => onChange({ since: e.target.value })} /> : null}
    </span>
  );
}
