/**
 * Settings → WeCom: the connection (secret and AES key sealed, never shown again), the values to paste into the
 * WeCom console, "test connection", the full sync with live progress and its history, and the callback inbox.
 * The page polls while a sync runs or events are pending.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation, useRevalidator } from '@remix-run/react';
import { useEffect } from 'react';
import { z } from 'zod';
import { CsrfInput } from '~/components/csrf';
import { FormResult } from '~/components/form-result';
import { SyncHistory, SyncProgress } from '~/components/wecom-sync';
import { useFormat } from '~/lib/format';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { SIM_ACTIVITIES } from '~/lib/contracts/wecom';
import { loadWecomSettings, saveWecomConnection, simulateWecom, startWecomSync, testWecomConnection } from '~/lib/wecom.server';
import { sidebarUrl } from '~/lib/sidebar.server';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'wecom.manage');
  const publicUrl = context.services.config.publicUrl;
  // The chat sidebar (聊天工具栏): what the admin configures in the WeCom console (app/lib/sidebar.server.ts).
  return json({ ...(await loadWecomSettings(context, actor)), sidebar: { trustedDomain: new URL(publicUrl).host, toolbarUrl: sidebarUrl(publicUrl, actor.tenantSlug) } });
}

const intent = z.enum(['save', 'test', 'sync', 'simulate']);
const simulateInput = z.object({ kind: z.enum(SIM_ACTIVITIES) });

export async function action({ request, context }: ActionFunctionArgs) {
  const { actor, form } = await requireMutation(request, context, 'wecom.manage');
  try {
    const i = intent.parse(form.get('intent'));
    if (i === 'save') {
      const r = await saveWecomConnection(context, actor, {
        corpId: form.get('corpId'),
        agentId: form.get('agentId'),
        secret: form.get('secret'),
        callbackToken: form.get('callbackToken'),
        aesKey: form.get('aesKey'),
        mode: form.get('mode') ?? 'live',
        baseUrl: form.get('baseUrl'),
      });
      return json({ ok: true as const, intent: i, error: undefined, aesKey: r.aesKeyShownOnce, message: null as string | null });
    }
    if (i === 'test') {
      const r = await testWecomConnection(context, actor);
      return json({ ok: r.ok, intent: i, error: r.ok ? undefined : r.message, aesKey: null, message: r.message });
    }
    if (i === 'sync') {
      const r = await startWecomSync(context, actor);
      return json({ ok: true as const, intent: i, error: undefined, aesKey: null, message: r.created ? 'started' : 'running' });
    }
    const { kind } = simulateInput.parse({ kind: form.get('kind') });
    const message = await simulateWecom(context, actor, kind);
    return json({ ok: true as const, intent: i, error: undefined, aesKey: null, message });
  } catch (e) {
    return actionError(e, context);
  }
}

const ACTIVITY_LABELS: Record<(typeof SIM_ACTIVITIES)[number], [string, string]> = {
  'customer-adds-via-channel': ['客户扫渠道码添加导购', 'A customer scans a channel code'],
  'clerk-edits-customer': ['导购修改备注并打标签', 'A clerk edits a remark and tags'],
  'clerk-deletes-customer': ['导购删除客户', 'A clerk deletes a customer'],
  'customer-deletes-clerk': ['客户删除导购', 'A customer deletes a clerk'],
  'console-creates-tag': ['后台新建企业标签', 'An admin creates a tag in the console'],
  'customer-joins-group': ['客户扫码入群', 'A customer joins a group'],
};

const INBOX_STATUS: Record<string, [string, string, string]> = {
  pending: ['待处理', 'pending', 'warn'],
  done: ['已处理', 'done', 'good'],
  failed: ['失败', 'failed', 'bad'],
  ignored: ['已忽略', 'ignored', ''],
};

export default function WecomSettings() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const nav = useNavigation();
  const t = useT();
  const f = useFormat();
  const revalidator = useRevalidator();
  const c = d.connection;
  const busy = Boolean(d.sync.active) || d.inboxCounts.pending > 0;
  useEffect(() => {
    if (!busy) return;
    const id = setInterval(() => {
      if (revalidator.state === 'idle') revalidator.revalidate();
    }, 2000);
    return () => clearInterval(id);
  }, [busy, revalidator]);
  const submitting = (i: string) => nav.state !== 'idle' && nav.formData?.get('intent') === i;
  const done = result && 'intent' in result && result.ok ? result : null;
  return (
    <>
      <FormResult data={result} ok={done?.intent === 'save' ? t('已保存连接信息', 'Connection saved') : undefined} />
      {done?.intent === 'save' && done.aesKey ? (
        <div className="alert ok" role="status" data-testid="aes-key-once">
          {t('EncodingAESKey 已加密保存。请现在复制到企业微信后台，之后不再显示：', 'The EncodingAESKey is stored encrypted. Copy it into the WeCom console now; it is not shown again:')} <code>{done.aesKey}</code>
        </div>
      ) : null}
      {done?.intent === 'test' && done.message ? (
        <div className="alert ok" role="status" data-testid="test-result">
          {done.message}
        </div>
      ) : null}
      {done?.intent === 'simulate' && done.message ? (
        <div className="alert ok" role="status">
          {done.message}
        </div>
      ) : null}

      <div className="grid-2">
        <section className="card">
          <h2 style={{ marginTop: 0 }}>{t('连接信息', 'Connection')}</h2>
          <p className="muted">
            {c.configured
              ? t(`已连接企业 ${c.corpId}（${c.mode === 'simulator' ? '演示模拟器' : '企业微信'}），${f.dateTime(c.updatedAt)} 由 ${c.updatedBy} 保存。`, `Connected to corp ${c.corpId} (${c.mode === 'simulator' ? 'demo simulator' : 'WeCom'}), saved ${f.dateTime(c.updatedAt)} by ${c.updatedBy}.`)
              : t('尚未连接：填写自建应用的企业ID、Secret，以及回调 Token 与 EncodingAESKey。', 'Not connected yet: enter the self-built app’s corp id and secret, and the callback token and EncodingAESKey.')}
          </p>
          <Form method="post" className="stack">
            <CsrfInput />
            <input type="hidden" name="intent" value="save" />
            <label>
              {t('企业ID（CorpID）', 'Corp ID')}
              <input name="corpId" defaultValue={c.corpId ?? ''} required autoComplete="off" />
            </label>
            <label>
              {t('应用 AgentId（可选）', 'Agent ID (optional)')}
              <input name="agentId" defaultValue={c.agentId ?? ''} inputMode="numeric" autoComplete="off" />
            </label>
            <label>
              {t('应用 Secret', 'App secret')}
              <input name="secret" type="password" autoComplete="new-password" placeholder={c.configured ? t('已加密保存；留空则不修改', 'Stored encrypted; leave blank to keep') : ''} required={!c.configured} />
            </label>
            <label>
              {t('回调 Token', 'Callback token')}
              <input name="callbackToken" defaultValue={c.callbackToken ?? d.suggestions?.token ?? ''} required autoComplete="off" />
            </label>
            <label>
              EncodingAESKey
              <input name="aesKey" defaultValue={d.suggestions?.aesKey ?? ''} placeholder={c.configured ? t('已加密保存；留空则不修改', 'Stored encrypted; leave blank to keep') : ''} autoComplete="off" />
            </label>
            <label>
              {t('连接方式', 'Mode')}
              <select name="mode" defaultValue={c.mode}>
                <option value="live">{t('企业微信（正式）', 'WeCom (live)')}</option>
                <option value="simulator">{t('演示模拟器', 'Demo simulator')}</option>
              </select>
            </label>
            <label>
              {t('接口地址（可选，默认 qyapi.weixin.qq.com）', 'API base URL (optional, default qyapi.weixin.qq.com)')}
              <input name="baseUrl" defaultValue={c.baseUrl ?? ''} autoComplete="off" />
            </label>
            <button type="submit" disabled={submitting('save')}>
              {t('保存', 'Save')}
            </button>
          </Form>
        </section>

        <div>
          <section className="card">
            <h2 style={{ marginTop: 0 }}>{t('填写到企业微信后台', 'Paste into the WeCom console')}</h2>
            <p className="muted">{t('客户联系 → API → 接收事件服务器（或自建应用的接收消息设置）', 'Customer Contact → API → event receiving server (or the self-built app’s callback settings)')}</p>
            <dl style={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', gap: '.4rem 1rem', wordBreak: 'break-all' }}>
              <dt>URL</dt>
              <dd>
                <code data-testid="callback-url">{c.callbackUrl}</code>
              </dd>
              <dt>Token</dt>
              <dd>
                <code>{c.callbackToken ?? d.suggestions?.token ?? '—'}</code>
              </dd>
              <dt>EncodingAESKey</dt>
              <dd>{c.configured ? <span className="muted">{t('已加密保存（仅在保存时显示一次）', 'Stored encrypted (shown once, when saved)')}</span> : <code>{d.suggestions?.aesKey}</code>}</dd>
            </dl>
          </section>
          <section className="card" data-testid="sidebar-setup">
            <h2 style={{ marginTop: 0 }}>{t('聊天工具栏（导购侧边栏）', 'Chat toolbar (clerk sidebar)')}</h2>
            <p className="muted">
              {t('在自建应用中：① 网页授权及 JS-SDK → 可信域名；② 配置到聊天工具栏 → 页面地址。修改后需重启企业微信客户端。', 'In the self-built app: ① Web authorization & JS-SDK → trusted domain; ② Configure to chat toolbar → page URL. Restart the WeCom client after a change.')}
            </p>
            <dl style={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', gap: '.4rem 1rem', wordBreak: 'break-all' }}>
              <dt>{t('可信域名', 'Trusted domain')}</dt>
              <dd>
                <code data-testid="trusted-domain">{d.sidebar.trustedDomain}</code>
              </dd>
              <dt>{t('工具栏页面', 'Toolbar URL')}</dt>
              <dd>
                <code data-testid="toolbar-url">{d.sidebar.toolbarUrl}</code>
              </dd>
            </dl>
            {c.agentId === null ? <p className="badge warn">{t('请先填写 AgentId：侧边栏的 JS-SDK 需要应用身份', 'Fill in the AgentId first: the sidebar’s JS-SDK needs the app identity')}</p> : null}
          </section>
          <section className="card">
            <h2 style={{ marginTop: 0 }}>{t('测试连接', 'Test connection')}</h2>
            <p className="muted">{t('用已保存的 Secret 获取访问令牌，并读取配置了客户联系功能的员工。', 'Gets an access token with the saved secret and lists the staff with customer contact.')}</p>
            {c.lastTest ? (
              <p>
                <span className={`badge ${c.lastTest.ok ? 'good' : 'bad'}`}>{c.lastTest.ok ? t('成功', 'OK') : t('失败', 'Failed')}</span> <span className="muted">{f.dateTime(c.lastTest.at)}</span>
                <br />
                {c.lastTest.message}
              </p>
            ) : null}
            <Form method="post">
              <CsrfInput />
              <input type="hidden" name="intent" value="test" />
              <button type="submit" className="secondary" disabled={!c.configured || submitting('test')}>
                {submitting('test') ? t('测试中…', 'Testing…') : t('测试连接', 'Test connection')}
              </button>
            </Form>
          </section>
          <section className="card">
            <h2 style={{ marginTop: 0 }}>{t('企业标签额度', 'Corp tag quota')}</h2>
            <div className="progress" aria-label={t('企业标签用量', 'Corp tags used')}>
              <div style={{ width: `${Math.min(100, (d.corpTags / d.corpTagLimit) * 100)}%` }} />
            </div>
            <p className="muted">{t(`已用 ${d.corpTags.toLocaleString()} / ${d.corpTagLimit.toLocaleString()} 个企业标签（企业微信上限）`, `${d.corpTags.toLocaleString()} of ${d.corpTagLimit.toLocaleString()} corp tags used (WeCom’s limit)`)}</p>
          </section>
        </div>
      </div>

      <section className="card">
        <div className="toolbar" style={{ justifyContent: 'space-between' }}>
          <h2 style={{ margin: 0 }}>{t('全量同步', 'Full sync')}</h2>
          <Form method="post">
            <CsrfInput />
            <input type="hidden" name="intent" value="sync" />
            <button type="submit" disabled={!c.configured || Boolean(d.sync.active) || submitting('sync')}>
              {d.sync.active ? t('同步进行中…', 'Sync running…') : t('开始全量同步', 'Start a full sync')}
            </button>
          </Form>
        </div>
        <p className="muted">{t('同步员工、标签、客户与跟进关系（批量接口分页）、客户群及成员。可中断续传；重复运行不会重复写入；企业微信中已不存在的关系会标记为“已解除”而不删除。', 'Syncs staff, tags, customers and follow relations (batch pages), groups and members. Resumable; a second run changes nothing; relations gone from WeCom are ended, not deleted.')}</p>
        {d.sync.active ? <SyncProgress run={d.sync.active} /> : null}
        <SyncHistory runs={d.sync.history} />
      </section>

      <section className="card">
        <h2 style={{ marginTop: 0 }}>{t('回调事件', 'Callback events')}</h2>
        <p className="muted">
          {t(
            `近 7 天：已处理 ${d.inboxCounts.done}，待处理 ${d.inboxCounts.pending}，失败 ${d.inboxCounts.failed}，已忽略 ${d.inboxCounts.ignored}。每个事件按去重键只保存一次，立即应答，由任务重新读取企业微信后处理。`,
            `Last 7 days: ${d.inboxCounts.done} done, ${d.inboxCounts.pending} pending, ${d.inboxCounts.failed} failed, ${d.inboxCounts.ignored} ignored. Each event is stored once (dedupe key), acknowledged at once and processed by a job that re-reads WeCom.`,
          )}
        </p>
        {c.mode === 'simulator' ? (
          <div className="toolbar">
            <span className="muted">{t('演示：模拟企业微信中的操作', 'Demo: simulate what happens in WeCom')}</span>
            {SIM_ACTIVITIES.map((k) => (
              <Form method="post" key={k}>
                <CsrfInput />
                <input type="hidden" name="intent" value="simulate" />
                <input type="hidden" name="kind" value={k} />
                <button type="submit" className="secondary">
                  {t(...ACTIVITY_LABELS[k])}
                </button>
              </Form>
            ))}
          </div>
        ) : null}
        <div className="data-table">
          <table>
            <thead>
              <tr>
                <th>{t('收到时间', 'Received')}</th>
                <th>{t('事件', 'Event')}</th>
                <th>{t('对象', 'Subject')}</th>
                <th>{t('状态', 'Status')}</th>
                <th>{t('处理结果', 'Result')}</th>
              </tr>
            </thead>
            <tbody>
              {d.inbox.length === 0 ? (
                <tr>
                  <td colSpan={5} className="empty-cell">
                    {t('还没有收到回调事件：在企业微信后台填写上面的 URL、Token 与 EncodingAESKey。', 'No callback events yet: enter the URL, token and EncodingAESKey above in the WeCom console.')}
                  </td>
                </tr>
              ) : null}
              {d.inbox.map((e) => {
                const st = INBOX_STATUS[e.status] ?? [e.status, e.status, ''];
                return (
                  <tr key={e.id}>
                    <td>{f.dateTime(e.receivedAt)}</td>
                    <td>
                      {e.event}
                      {e.changeType ? <span className="muted"> · {e.changeType}</span> : null}
                    </td>
                    <td className="muted">{e.subject ?? '—'}</td>
                    <td>
                      <span className={`badge ${st[2]}`}>{t(st[0], st[1])}</span>
                      {e.attempts > 1 ? <span className="muted"> ×{e.attempts}</span> : null}
                    </td>
                    <td style={{ whiteSpace: 'normal' }}>{e.error ?? e.result ?? '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}
