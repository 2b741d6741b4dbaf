/**
 * The customer card of the clerk's workspace, shared by /m/customers/<id> and the WeCom sidebar: the summary in
 * plain words, tags first with quick toggles (written back to WeCom, state visible), last orders with items,
 * follow-up records with the form to log one, and how and when the customer was added. No raw external ids.
 */
import { CustomerMemberFacts } from '~/components/customer-member';
import type { MemberFacts } from '~/lib/contracts/member';
import { useFetcher } from '@remix-run/react';
import { CsrfInput } from '~/components/csrf';
import { STAGE_LABELS, label } from '~/lib/analytics-labels';
import { CHANNEL_LABELS, FOLLOW_UP_CHANNELS } from '~/lib/clerk-contract';
import { useFormat } from '~/lib/format';
import { useT } from '~/lib/i18n';

export interface CardTag {
  tagId: string;
  name: string;
  groupName: string;
  kind: string;
  present: boolean;
  change: { op: 'add' | 'remove'; state: string; reason: string | null } | null;
}
export interface CardJson {
  id: string;
  name: string | null;
  stage: string | null;
  isDue: boolean;
  summary: { zh: string; en: string };
  mobile: string | null;
  /** The full number for tap-to-call: only where the tenant allows it and only for a clerk serving the customer. */
  tel: string | null;
  /** Member data from the member import (null: not a member). */
  member?: MemberFacts | null;
  campaigns: { run_id: string; campaign: string; at: string; received: boolean; converted: boolean }[];
  tags: CardTag[];
  tagOptions: { id: string; name: string; groupName: string; kind: string; pushState: string }[];
  orders: { id: number; day: string; amountFen: number; isRefund: boolean; store: string | null; items: { name: string | null; quantity: number }[] }[];
  orderCount: number;
  followUps: { id: string; channel: string; note: string; next_follow_up_on: string | null; created_at: string; clerk: string }[];
  added: { at: string | null; way: [string, string]; channel: string | null; clerk: string; mine: boolean; endedAt: string | null } | null;
  servedBy: string[];
}

function TagToggle({ tag, option, action }: { tag?: CardTag; option?: CardJson['tagOptions'][number]; action: string }) {
  const t = useT();
  const fetcher = useFetcher<{ ok?: boolean; error?: string }>();
  const id = tag?.tagId ?? option!.id;
  const name = tag?.name ?? option!.name;
  const pendingOp = fetcher.formData?.get('op');
  const present = pendingOp ? pendingOp === 'add' : (tag?.present ?? false);
  const state = fetcher.state !== 'idle' ? 'pending' : (tag?.change?.state ?? (present ? 'present' : 'absent'));
  const note =
    state === 'pending' ? t('同步中', 'syncing') : state === 'failed' ? t('失败', 'failed') : state === 'synced' ? t('已同步', 'synced') : state === 'internal' ? t('内部', 'internal') : null;
  return (
    <fetcher.Form method="post" action={action} style={{ display: 'inline' }}>
      <CsrfInput />
      <input type="hidden" name="intent" value="tag" />
      <input type="hidden" name="tagId" value={id} />
      <button
        type="submit"
        name="op"
        value={present ? 'remove' : 'add'}
        className="m-chip"
        aria-pressed={present}
        data-state={state}
        data-testid="tag-toggle"
        data-kind={tag?.kind ?? option?.kind}
        data-name={name}
        title={tag?.change?.reason ?? (tag?.groupName ?? option?.groupName)}
      >
        {present ? '✓ ' : '+ '}
        {name}
        {note ? <small data-testid="tag-state"> · {note}</small> : null}
      </button>
      {fetcher.data?.error ? <span className="badge bad">{fetcher.data.error}</span> : null}
    </fetcher.Form>
  );
}

function FollowUpForm({ action }: { action: string }) {
  const t = useT();
  const fetcher = useFetcher<{ ok?: boolean; error?: string }>();
  const saved = fetcher.state === 'idle' && fetcher.data?.ok;
  return (
    <fetcher.Form method="post" action={action} data-testid="follow-up-form" key={saved ? String(Date.now()) : 'form'}>
      <CsrfInput />
      <input type="hidden" name="intent" value="follow_up" />
      <fieldset className="m-fieldset" aria-label={t('跟进方式', 'How')}>
        {FOLLOW_UP_CHANNELS.map((c, i) => (
          <label key={c}>
            <input type="radio" name="channel" value={c} defaultChecked={i === 0} />
            {t(CHANNEL_LABELS[c]![0], CHANNEL_LABELS[c]![1])}
          </label>
        ))}
      </fieldset>
      <textarea name="note" rows={3} placeholder={t('跟进内容，例如：客户说下周来店', 'What happened, e.g. will visit next week')} style={{ marginTop: '.5rem' }} required />
      <label className="m-muted" style={{ display: 'block', marginTop: '.5rem' }}>
        {t('下次跟进日期', 'Next follow-up')}
        <input type="date" name="nextOn" />
      </label>
      {fetcher.data?.error ? <div className="alert error">{fetcher.data.error}</div> : null}
      {saved ? <div className="alert ok">{t('已记录', 'Saved')}</div> : null}
      <button type="submit" style={{ width: '100%', marginTop: '.5rem' }} disabled={fetcher.state !== 'idle'}>
        {t('记录跟进', 'Log follow-up')}
      </button>
    </fetcher.Form>
  );
}

export function CustomerCard({ card, action, canTag, scriptsHref }: { card: CardJson; action: string; canTag: boolean; scriptsHref?: string }) {
  const t = useT();
  const f = useFormat();
  const presentIds = new Set(card.tags.map((x) => x.tagId));
  const options = card.tagOptions.filter((o) => o.pushState !== 'failed' && !presentIds.has(o.id));
  return (
    <div data-testid="customer-card">
      <section className="m-card">
        <h2 style={{ fontSize: '1.2rem' }}>
          {card.name ?? t('（未命名）', '(no name)')} {card.stage ? <span className="badge">{label(STAGE_LABELS, card.stage, t)}</span> : null}{' '}
          {card.isDue ? <span className="badge warn">{t('该回购了', 'Due')}</span> : null}
        </h2>
        <p className="m-summary" data-testid="card-summary">
          {t(card.summary.zh, card.summary.en)}
        </p>
        {card.tel ? (
          <a className="button tap" href={`tel:${card.tel}`} data-testid="tap-to-call" style={{ display: 'block', textAlign: 'center', marginBottom: '.5rem' }}>
            {t('拨打电话', 'Call')} {card.mobile ?? ''}
          </a>
        ) : card.mobile ? (
          <p className="m-muted">
            {t('手机', 'Mobile')}: {card.mobile}
          </p>
        ) : null}
        {scriptsHref ? (
          <a className="button secondary tap" href={scriptsHref} style={{ display: 'block', textAlign: 'center' }}>
            {t('选话术', 'Pick a script')}
          </a>
        ) : null}
      </section>

      <CustomerMemberFacts member={card.member ?? null} className="m-card" />
      <section className="m-card" data-testid="card-tags">
        <h2>{t('标签', 'Tags')}</h2>
        <div className="m-chips">
          {card.tags.length === 0 ? <span className="m-muted">{t('还没有标签', 'No tags yet')}</span> : null}
          {card.tags.map((tg) => (canTag ? <TagToggle key={tg.tagId} tag={tg} action={action} /> : <span key={tg.tagId} className="m-chip" aria-pressed={tg.present}>{tg.name}</span>))}
        </div>
        {canTag && options.length ? (
          <details style={{ marginTop: '.5rem' }}>
            <summary className="tap" style={{ display: 'flex', alignItems: 'center' }} data-testid="add-tags">
              {t('添加标签', 'Add tags')}
            </summary>
            <div className="m-chips" style={{ marginTop: '.5rem' }}>
              {options.slice(0, 60).map((o) => (
                <TagToggle key={o.id} option={o} action={action} />
              ))}
            </div>
          </details>
        ) : null}
      </section>

      <section className="m-card">
        <h2>{t('跟进记录', 'Follow-ups')}</h2>
        <FollowUpForm action={action} />
        <ul className="m-list" data-testid="follow-ups" style={{ marginTop: '.5rem' }}>
          {card.followUps.map((x) => (
            <li key={x.id} className="m-row" style={{ display: 'block' }}>
              <div>
                <span className="badge">{t(CHANNEL_LABELS[x.channel]?.[0] ?? x.channel, CHANNEL_LABELS[x.channel]?.[1] ?? x.channel)}</span> {x.note}
              </div>
              <div className="m-muted">
                {f.dateTime(x.created_at)} · {x.clerk}
                {x.next_follow_up_on ? ` · ${t('下次', 'next')} ${x.next_follow_up_on}` : ''}
              </div>
            </li>
          ))}
        </ul>
      </section>

      <section className="m-card">
        <h2>
          {t('最近订单', 'Recent orders')} <span className="m-muted">({card.orderCount})</span>
        </h2>
        {card.orders.length === 0 ? <p className="m-muted">{t('暂无订单', 'No orders yet')}</p> : null}
        <ul className="m-list" data-testid="card-orders">
          {card.orders.map((o) => (
            <li key={o.id} className="m-row" style={{ display: 'block' }}>
              <div>
                {o.day} · <strong>{f.money(o.amountFen)}</strong> {o.isRefund ? <span className="badge bad">{t('退款', 'Refund')}</span> : null} <span className="m-muted">{o.store ?? ''}</span>
              </div>
              {o.items.length ? <div className="m-muted">{o.items.slice(0, 4).map((i) => `${i.name ?? '—'}×${i.quantity}`).join('、')}</div> : null}
            </li>
          ))}
        </ul>
      </section>

      <section className="m-card" data-testid="card-campaigns">
        <h2>{t('活动记录', 'Campaigns')}</h2>
        {card.campaigns.length === 0 ? <p className="m-muted">{t('还没有参与过营销活动', 'Not in any campaign yet')}</p> : null}
        <ul className="m-list">
          {card.campaigns.map((c) => (
            <li key={c.run_id} className="m-row" style={{ display: 'block' }}>
              {f.date(c.at)} · {c.campaign} ·{' '}
              {c.received ? <span className="badge good">{t('已收到', 'received')}</span> : <span className="badge">{t('未送达', 'not received')}</span>}
              {c.converted ? <span className="badge good"> {t('活动后已下单', 'bought after it')}</span> : null}
            </li>
          ))}
        </ul>
      </section>

      <section className="m-card" data-testid="card-added">
        <h2>{t('添加方式', 'How they were added')}</h2>
        {card.added ? (
          <p style={{ margin: 0 }}>
            {card.added.at ? f.date(card.added.at) : '—'} · {t(card.added.way[0], card.added.way[1])}
            {card.added.channel ? ` · ${t('渠道码', 'channel code')}「${card.added.channel}」` : ''} · {card.added.mine ? t('由我添加', 'added by me') : card.added.clerk}
          </p>
        ) : (
          <p className="m-muted">{t('不是通过企业微信添加的', 'Not added through WeCom')}</p>
        )}
      </section>
    </div>
  );
}
