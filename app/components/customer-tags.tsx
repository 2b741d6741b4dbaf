/**
 * Tags on the customer pages: chips that show the write-back state (pending / synced / failed with reason), the
 * tag filter of the list, and the bulk bar that adds or removes a tag on the selected customers.
 */
import { Form, useFetcher } from '@remix-run/react';
import type { ReactNode } from 'react';
import { CsrfInput } from '~/components/csrf';
import type { FullTag, ListTagName, ListTags } from '~/lib/contracts/wecom';
import { numberFormat } from '~/lib/format';
import { useT } from '~/lib/i18n';

/** A customer's tag as the loaders send it (server/wecom/tags.repository.ts CustomerTagView, dates as strings). */
export interface CustomerTagJson {
  tagId: string;
  name: string;
  groupName: string;
  kind: 'wecom' | 'internal';
  present: boolean;
  change: { id: number; op: 'add' | 'remove'; state: 'pending' | 'synced' | 'failed' | 'internal'; reason: string | null; at: string } | null;
}

export interface TagOptionJson {
  id: string;
  name: string;
  groupId: string;
  groupName: string;
  kind: 'wecom' | 'internal';
  pushState: 'synced' | 'pending' | 'failed';
}

/** A list page's tags of a customer, whole again (server/customers/list-page.service.ts sends them compacted). */
export function expandTags<C>(tags: ListTags<C>, names: Record<string, ListTagName>): FullTag<C>[] {
  return tags.ids.flatMap((tagId) => {
    const n = names[tagId];
    const s = tags.states?.[tagId];
    return n ? [{ tagId, ...n, present: s?.present ?? true, change: s?.change ?? null }] : [];
  });
}

export function TagChip({ tag, onRemove }: { tag: CustomerTagJson; onRemove?: ReactNode }) {
  const t = useT();
  const ch = tag.change;
  let cls = tag.kind === 'internal' ? 'badge tag-internal' : 'badge';
  let note: string | null = null;
  let title = `${tag.groupName}${tag.kind === 'internal' ? t('（仅回客内部）', ' (Huike-internal)') : ''}`;
  if (ch?.state === 'pending') {
    cls = 'badge warn';
    note = ch.op === 'add' ? t('同步中', 'syncing') : t('移除中', 'removing');
  } else if (ch?.state === 'failed') {
    cls = 'badge bad';
    note = ch.op === 'add' ? t('添加失败', 'add failed') : t('移除失败', 'remove failed');
    title = `${title} — ${ch.reason ?? ''}`;
  }
  return (
    <span className={cls} title={title} data-tag-state={ch?.state ?? 'present'} style={{ marginRight: '.25rem', marginBottom: '.25rem', textDecoration: ch?.state === 'pending' && ch.op === 'remove' ? 'line-through' : undefined }}>
      {tag.name}
      {note ? <small> · {note}</small> : null}
      {onRemove}
    </span>
  );
}

export function TagChips({ tags, max = 4 }: { tags: CustomerTagJson[]; max?: number }) {
  if (tags.length === 0) return <span className="muted">—</span>;
  return (
    <span style={{ whiteSpace: 'normal' }}>
      {tags.slice(0, max).map((tg) => (
        <TagChip key={tg.tagId} tag={tg} />
      ))}
      {tags.length > max ? <span className="muted">+{tags.length - max}</span> : null}
    </span>
  );
}

function TagOptions({ options }: { options: TagOptionJson[] }) {
  const t = useT();
  const groups = new Map<string, TagOptionJson[]>();
  for (const o of options) {
    if (o.pushState === 'failed') continue;
    const k = `${o.kind === 'internal' ? t('（内部）', '(internal) ') : ''}${o.groupName}`;
    groups.set(k, [...(groups.get(k) ?? []), o]);
  }
  return (
    <>
      {[...groups.entries()].map(([g, xs]) => (
        <optgroup key={g} label={g}>
          {xs.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name}
            </option>
          ))}
        </optgroup>
      ))}
    </>
  );
}

/** The list's tag filter (a field of the list's GET form). */
export function TagFilter({ options, value, onChange }: { options: TagOptionJson[]; value: string | undefined; onChange?: () => void }) {
  const t = useT();
  if (options.length === 0) return null;
  return (
    <select name="tag" defaultValue={value ?? ''} onChange={onChange} aria-label={t('标签', 'Tag')}>
      <option value="">{t('全部标签', 'All tags')}</option>
      <TagOptions options={options} />
    </select>
  );
}

export const BULK_FORM_ID = 'bulk-tags';

/** A row's checkbox; it belongs to the bulk form by its `form` attribute. */
export function SelectCell({ id }: { id: string }) {
  return <input type="checkbox" name="customerId" value={id} form={BULK_FORM_ID} aria-label="select" />;
}

export function SelectAll() {
  const t = useT();
  return (
    <input
      type="checkbox"
      aria-label={t('全选本页', 'Select this page')}
      onChange={(e) => {
        document.querySelectorAll<HTMLInputElement>(`input[form="${BULK_FORM_ID}"][name="customerId"]`).forEach((x) => (x.checked = e.currentTarget.checked));
      }}
    />
  );
}

export interface BulkResultJson {
  ok: boolean;
  error?: string;
  tagResult?: { pending: number; applied: number; unchanged: number; failed: number; outOfScope: number } | null;
}

/**
 * Adds or removes one tag on the selected customers of the page or, with `matching`, on all N customers matching
 * the list's filters (a queued action with visible progress; the list passes its query string along).
 */
export function BulkTagBar({ options, result, matching }: { options: TagOptionJson[]; result?: BulkResultJson | null; matching?: { total: number; query: string } }) {
  const t = useT();
  if (options.length === 0) return null;
  const r = result?.tagResult;
  return (
    <Form method="post" id={BULK_FORM_ID} className="toolbar" data-testid="bulk-tags">
      <CsrfInput />
      <input type="hidden" name="intent" value="bulk-tags" />
      {matching && matching.total > 0 ? (
        <>
          <input type="hidden" name="query" value={matching.query} />
          <select name="target" aria-label={t('对象', 'Customers')} defaultValue="selected">
            <option value="selected">{t('选中的客户', 'Selected customers')}</option>
            <option value="all">{allMatching(matching.total, t)}</option>
          </select>
        </>
      ) : (
        <span className="muted">{t('选中的客户：', 'Selected customers:')}</span>
      )}
      <select name="tagId" required aria-label={t('标签', 'Tag')} defaultValue="">
        <option value="" disabled>
          {t('选择标签', 'Choose a tag')}
        </option>
        <TagOptions options={options} />
      </select>
      <button type="submit" name="op" value="add" className="secondary">
        {t('打标签', 'Add tag')}
      </button>
      <button type="submit" name="op" value="remove" className="secondary">
        {t('移除标签', 'Remove tag')}
      </button>
      {result?.error ? <span className="badge bad">{result.error}</span> : null}
      {r ? (
        <span className="muted" role="status">
          {t(
            `已提交：${r.pending} 个待同步到企业微信，${r.applied} 个内部标签已生效，${r.unchanged} 个无需变更${r.failed ? `，${r.failed} 个无法写回（无企业微信关系）` : ''}`,
            `Submitted: ${r.pending} syncing to WeCom, ${r.applied} internal applied, ${r.unchanged} unchanged${r.failed ? `, ${r.failed} cannot be written back (no WeCom relation)` : ''}`,
          )}
        </span>
      ) : null}
    </Form>
  );
}

/** "All N matching customers": N formatted once, with a kept formatter (toLocaleString builds one per call). */
function allMatching(total: number, t: (zh: string, en: string) => string): string {
  const n = numberFormat('en-US', {}).format(total);
  return t(`全部 ${n} 位符合条件的客户`, `All ${n} matching customers`);
}

/** A customer's tags with add and remove (profile page). */
export function CustomerTagEditor({ customerId, tags, options, canTag }: { customerId: string; tags: CustomerTagJson[]; options: TagOptionJson[]; canTag: boolean }) {
  const t = useT();
  const fetcher = useFetcher<{ ok: boolean; error?: string }>();
  const visible = tags;
  return (
    <div data-testid="customer-tags">
      {/* A div, not a p: the chips hold remove forms, and a form cannot sit inside a p. */}
      <div style={{ marginBottom: '.75rem' }}>
        {visible.length === 0 ? <span className="muted">{t('暂无标签', 'No tags')}</span> : null}
        {visible.map((tg) => (
          <TagChip
            key={tg.tagId}
            tag={tg}
            onRemove={
              canTag && tg.present && !(tg.change?.state === 'pending' && tg.change.op === 'remove') ? (
                <fetcher.Form method="post" style={{ display: 'inline' }}>
                  <CsrfInput />
                  <input type="hidden" name="intent" value="tag" />
                  <input type="hidden" name="customerId" value={customerId} />
                  <input type="hidden" name="tagId" value={tg.tagId} />
                  <button type="submit" name="op" value="remove" aria-label={t(`移除标签 ${tg.name}`, `Remove tag ${tg.name}`)} style={{ background: 'none', border: 0, padding: '0 0 0 .3rem', color: 'inherit', cursor: 'pointer' }}>
                    ×
                  </button>
                </fetcher.Form>
              ) : undefined
            }
          />
        ))}
      </div>
      {visible.filter((x) => x.change?.state === 'failed').map((x) => (
        <p key={x.tagId} className="muted" style={{ margin: '.2rem 0' }}>
          <span className="badge bad">{x.name}</span> {x.change?.reason}
        </p>
      ))}
      {canTag && options.length > 0 ? (
        <fetcher.Form method="post" className="toolbar" style={{ marginBottom: 0 }}>
          <CsrfInput />
          <input type="hidden" name="intent" value="tag" />
          <input type="hidden" name="customerId" value={customerId} />
          <select name="tagId" required defaultValue="" aria-label={t('标签', 'Tag')}>
            <option value="" disabled>
              {t('选择标签', 'Choose a tag')}
            </option>
            <TagOptions options={options.filter((o) => !visible.some((v) => v.tagId === o.id && v.present))} />
          </select>
          <button type="submit" name="op" value="add" className="secondary" disabled={fetcher.state !== 'idle'}>
            {t('添加标签', 'Add tag')}
          </button>
          {fetcher.data?.error ? <span className="badge bad">{fetcher.data.error}</span> : null}
        </fetcher.Form>
      ) : null}
    </div>
  );
}
