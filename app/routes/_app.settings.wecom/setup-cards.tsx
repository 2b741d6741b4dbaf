/** What to paste into the WeCom console (callback, chat toolbar), "test connection" and the corp tag quota. */
import type { SerializeFrom } from '@remix-run/node';
import { Form } from '@remix-run/react';
import { CsrfInput } from '~/components/csrf';
import { useFormat } from '~/lib/format';
import { useT } from '~/lib/i18n';
import type { loader } from './route';

type Data = SerializeFrom<typeof loader>;

export function ConsoleValues({ d }: { d: Data }) {
  const t = useT();
  const c = d.connection;
  return (
    <>
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
    </>
  );
}

export function ConnectionTest({ d, submitting }: { d: Data; submitting: (intent: string) => boolean }) {
  const t = useT();
  const f = useFormat();
  const c = d.connection;
  return (
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
  );
}

export function TagQuota({ d }: { d: Data }) {
  const t = useT();
  return (
    <section className="card">
      <h2 style={{ marginTop: 0 }}>{t('企业标签额度', 'Corp tag quota')}</h2>
      <div className="progress" aria-label={t('企业标签用量', 'Corp tags used')}>
        <div style={{ width: `${Math.min(100, (d.corpTags / d.corpTagLimit) * 100)}%` }} />
      </div>
      <p className="muted">{t(`已用 ${d.corpTags.toLocaleString()} / ${d.corpTagLimit.toLocaleString()} 个企业标签（企业微信上限）`, `${d.corpTags.toLocaleString()} of ${d.corpTagLimit.toLocaleString()} corp tags used (WeCom’s limit)`)}</p>
    </section>
  );
}
