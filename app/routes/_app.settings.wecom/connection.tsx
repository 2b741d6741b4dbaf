/** The connection form: corp id, secret and AES key (sealed, never shown again), callback token, mode, base URL. */
import type { SerializeFrom } from '@remix-run/node';
import { Form } from '@remix-run/react';
import { CsrfInput } from '~/components/csrf';
import { useFormat } from '~/lib/format';
import { useT } from '~/lib/i18n';
import type { loader } from './route';

type Data = SerializeFrom<typeof loader>;

export function ConnectionForm({ d, submitting }: { d: Data; submitting: (intent: string) => boolean }) {
  const t = useT();
  const f = useFormat();
  const c = d.connection;
  return (
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
  );
}
