/**
 * Welcome messages (欢迎语): one per channel code, clerk or store, and a default. Sent from the callback's fast path
 * within the WelcomeCode's 20 seconds; the report shows, per channel code, customers added, welcomed, and bought
 * within 30 days.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { CsrfInput } from '~/components/csrf';
import { FormResult } from '~/components/form-result';
import { useFormat } from '~/lib/format';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { loadWelcomePage, removeWelcome, saveWelcome } from '~/lib/wecom-ops.server';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'wecom.ops');
  return json(await loadWelcomePage(context, actor));
}

const target = z.string().regex(/^(default|channel|store|clerk):[0-9a-f-]*$/);

export async function action({ request, context }: ActionFunctionArgs) {
  const { actor, form } = await requireMutation(request, context, 'wecom.ops');
  try {
    if (form.get('intent') === 'remove') {
      await removeWelcome(context, actor, z.string().uuid().parse(form.get('id')));
      return json({ ok: true, error: undefined });
    }
    const [scope, targetId] = target.parse(form.get('target')).split(':');
    await saveWelcome(context, actor, { scope, targetId, text: form.get('text'), attachments: form.get('attachments') ?? '' });
    return json({ ok: true, error: undefined });
  } catch (e) {
    return actionError(e, context);
  }
}

const STATUS: Record<string, [string, string, string]> = {
  sent: ['已发送', 'sent', 'good'],
  rejected: ['欢迎码已用或过期（41051）', 'code used or expired (41051)', 'warn'],
  expired: ['超过 20 秒未发送', 'older than 20 s, not sent', 'warn'],
  failed: ['发送失败', 'failed', 'bad'],
  no_message: ['未配置欢迎语', 'no message configured', ''],
  sending: ['发送中', 'sending', ''],
};
const SCOPE: Record<string, [string, string]> = { default: ['默认', 'Default'], channel: ['渠道码', 'Channel code'], store: ['门店', 'Store'], clerk: ['导购', 'Clerk'] };

export default function WelcomePage() {
  const { messages, report, sends, options } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  const f = useFormat();
  const pct = (n: number, d: number) => (d > 0 ? f.percent(n / d) : '—');
  return (
    <>
      <p className="muted">
        {t(
          '客户通过渠道码或直接添加导购时，回客在收到回调后立即发送欢迎语（欢迎码 20 秒内有效、只能用一次）。优先级：渠道码 → 导购 → 门店 → 默认。',
          'When a customer adds a clerk, Huike sends the welcome message straight from the callback (the welcome code lives 20 seconds and works once). Precedence: channel code → clerk → store → default.',
        )}
      </p>
      <FormResult data={result} ok={t('已保存', 'Saved')} />
      <Form method="post" className="card stack" data-testid="welcome-form">
        <CsrfInput />
        <label>
          {t('适用于', 'Applies to')}
          <select name="target" defaultValue="default:">
            <option value="default:">{t('默认（所有未单独设置的添加）', 'Default (every add without its own message)')}</option>
            <optgroup label={t('渠道码', 'Channel codes')}>
              {options.channels.map((c) => (
                <option key={c.id} value={`channel:${c.id}`}>
                  {c.name} ({c.state})
                </option>
              ))}
            </optgroup>
            <optgroup label={t('门店', 'Stores')}>
              {options.stores.map((s) => (
                <option key={s.id} value={`store:${s.id}`}>
                  {s.code} {s.name}
                </option>
              ))}
            </optgroup>
            <optgroup label={t('导购', 'Clerks')}>
              {options.clerks.map((c) => (
                <option key={c.id} value={`clerk:${c.id}`}>
                  {c.name} ({c.wecom_userid})
                </option>
              ))}
            </optgroup>
          </select>
        </label>
        <label>
          {t('欢迎语（可用 {客户称呼} {导购} {门店}）', 'Text (placeholders {客户称呼} {导购} {门店})')}
          <textarea name="text" rows={3} required maxLength={4000} defaultValue="{客户称呼}您好，我是{门店}的{导购}，有任何需要随时找我～" />
        </label>
        <label>
          {t('附件（最多 9 个，每行一个：image https://… 或 link 标题 | https://…）', 'Attachments (up to 9, one a line: image https://… or link title | https://…)')}
          <textarea name="attachments" rows={2} placeholder="link 会员权益 | https://example.com/vip" />
        </label>
        <button type="submit">{t('保存欢迎语', 'Save welcome message')}</button>
      </Form>

      <h2>{t('当前欢迎语', 'Current messages')}</h2>
      <table className="data-table" data-testid="welcome-messages">
        <thead>
          <tr>
            <th>{t('适用于', 'Applies to')}</th>
            <th>{t('内容', 'Text')}</th>
            <th>{t('附件', 'Attachments')}</th>
            <th className="num">{t('已发送', 'Sent')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {messages.length === 0 ? (
            <tr>
              <td colSpan={5} className="muted">
                {t('还没有欢迎语：先设置一条默认欢迎语。', 'No welcome message yet: start with a default.')}
              </td>
            </tr>
          ) : (
            messages.map((m) => (
              <tr key={m.id}>
                <td>
                  {t(SCOPE[m.scope]![0], SCOPE[m.scope]![1])}
                  {m.target ? ` · ${m.target}` : ''}
                </td>
                <td style={{ whiteSpace: 'pre-wrap', maxWidth: 420 }}>{m.text}</td>
                <td className="muted" style={{ whiteSpace: 'pre-wrap' }}>
                  {m.attachmentLines || '—'}
                </td>
                <td className="num">{f.number(m.sent)}</td>
                <td>
                  <Form method="post">
                    <CsrfInput />
                    <input type="hidden" name="intent" value="remove" />
                    <input type="hidden" name="id" value={m.id} />
                    <button type="submit" className="secondary">
                      {t('停用', 'Remove')}
                    </button>
                  </Form>
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>

      <h2>{t('渠道码效果', 'By channel code')}</h2>
      <table className="data-table" data-testid="welcome-report">
        <thead>
          <tr>
            <th>{t('渠道码', 'Channel code')}</th>
            <th className="num">{t('添加客户', 'Added')}</th>
            <th className="num">{t('已发欢迎语', 'Welcomed')}</th>
            <th className="num">{t('30 天内购买', 'Bought within 30 days')}</th>
            <th className="num">{t('30 天转化率', '30-day conversion')}</th>
          </tr>
        </thead>
        <tbody>
          {report.map((r) => (
            <tr key={r.channel_id} data-channel={r.state}>
              <td>
                {r.channel} <code className="muted">{r.state}</code>
              </td>
              <td className="num" data-testid="added">{f.number(r.added)}</td>
              <td className="num" data-testid="welcomed">{f.number(r.welcomed)}</td>
              <td className="num" data-testid="first-purchase">{f.number(r.first_purchase_30d)}</td>
              <td className="num">{pct(r.first_purchase_30d, r.added)}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>{t('最近发送', 'Recent sends')}</h2>
      <table className="data-table" data-testid="welcome-sends">
        <thead>
          <tr>
            <th>{t('时间', 'Time')}</th>
            <th>{t('客户', 'Customer')}</th>
            <th>{t('导购', 'Clerk')}</th>
            <th>{t('渠道码', 'Channel')}</th>
            <th>{t('结果', 'Result')}</th>
            <th>{t('内容', 'Text')}</th>
          </tr>
        </thead>
        <tbody>
          {sends.map((s) => (
            <tr key={s.id}>
              <td>{f.dateTime(s.received_at)}</td>
              <td>{s.customer ?? <code>{s.external_userid.slice(0, 10)}…</code>}</td>
              <td>{s.clerk ?? '—'}</td>
              <td>{s.channel ?? '—'}</td>
              <td>
                <span className={`badge ${STATUS[s.status]?.[2] ?? ''}`}>{t(STATUS[s.status]?.[0] ?? s.status, STATUS[s.status]?.[1] ?? s.status)}</span>
              </td>
              <td className="muted" style={{ whiteSpace: 'normal', maxWidth: 360 }}>
                {s.text ?? s.error ?? ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
