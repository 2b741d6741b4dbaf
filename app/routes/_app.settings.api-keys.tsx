import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { CsrfInput } from '~/components/csrf';
import { useFormat } from '~/lib/format';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { createApiKey, listApiKeys, revokeApiKey } from '~/lib/settings.server';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'apikeys.manage');
  const keys = await listApiKeys(context.services, actor);
  return json({ keys, apiBase: `${context.services.config.publicUrl}/api/v1` });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { actor, form } = await requireMutation(request, context, 'apikeys.manage');
  try {
    const intent = z.enum(['create', 'revoke']).parse(form.get('intent'));
    if (intent === 'create') {
      const k = await createApiKey(context.services, actor, String(form.get('name') ?? ''));
      return json({ ok: true as const, error: undefined, key: k.key as string | undefined });
    }
    await revokeApiKey(context.services, actor, String(form.get('id')));
    return json({ ok: true as const, error: undefined, key: undefined });
  } catch (e) {
    return actionError(e, context);
  }
}

export default function ApiKeys() {
  const { keys, apiBase } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  const f = useFormat();
  return (
    <>
      {result && 'key' in result && result.key ? (
        <div className="alert ok" role="status">
          {t('新密钥（只显示这一次，请立即保存）：', 'New key (shown only once, store it now):')}
          <pre data-testid="new-api-key" style={{ userSelect: 'all', margin: '.5rem 0 0' }}>
            {result.key}
          </pre>
        </div>
      ) : null}
      {result && 'error' in result && result.error ? <div className="alert error">{result.error}</div> : null}
      <div className="card">
        <p className="muted">
          {t('API 地址', 'API base URL')}: <code>{apiBase}</code> · {t('文档', 'Docs')}: <a href="/api/v1/openapi.json">openapi.json</a> · <code>Authorization: Bearer hk_…</code>
        </p>
        <Form method="post" className="toolbar">
          <CsrfInput />
          <input type="hidden" name="intent" value="create" />
          <label>
            {t('名称', 'Name')}
            <input name="name" required placeholder={t('如：POS 对接', 'e.g. POS integration')} />
          </label>
          <button type="submit">{t('创建密钥', 'Create key')}</button>
        </Form>
      </div>
      <div className="data-table">
        <table>
          <thead>
            <tr>
              <th>{t('名称', 'Name')}</th>
              <th>{t('前缀', 'Prefix')}</th>
              <th>{t('创建者', 'Created by')}</th>
              <th>{t('创建时间', 'Created')}</th>
              <th>{t('最近使用', 'Last used')}</th>
              <th>{t('状态', 'Status')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {keys.length === 0 ? (
              <tr>
                <td colSpan={7} className="empty-cell">
                  {t('还没有 API 密钥。创建一个，让 POS、小程序或电商系统推送订单。', 'No API keys yet. Create one so your POS, mini-program or e-commerce system can push orders.')}
                </td>
              </tr>
            ) : (
              keys.map((k) => (
                <tr key={k.id}>
                  <td>{k.name}</td>
                  <td>
                    <code>{k.prefix}…</code>
                  </td>
                  <td>{k.created_by}</td>
                  <td>{f.dateTime(k.created_at)}</td>
                  <td>{f.dateTime(k.last_used_at)}</td>
                  <td>{k.revoked_at ? <span className="badge bad">{t('已吊销', 'Revoked')}</span> : <span className="badge good">{t('有效', 'Active')}</span>}</td>
                  <td>
                    {k.revoked_at ? null : (
                      <Form method="post">
                        <CsrfInput />
                        <input type="hidden" name="intent" value="revoke" />
                        <input type="hidden" name="id" value={k.id} />
                        <button type="submit" className="danger">
                          {t('吊销', 'Revoke')}
                        </button>
                      </Form>
                    )}
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </>
  );
}
