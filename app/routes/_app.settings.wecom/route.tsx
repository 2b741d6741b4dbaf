/**
 * Settings → WeCom: the connection (secret and AES key sealed, never shown again), the values to paste into the
 * WeCom console, "test connection", the full sync with live progress and its history, and the callback inbox.
 * The page polls while a sync runs or events are pending.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { CsrfInput } from '~/components/csrf';
import { FormResult } from '~/components/form-result';
import { SyncHistory, SyncProgress } from '~/components/wecom-sync';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { useRevalidateWhile } from '~/lib/use-revalidate-while';
import { SIM_ACTIVITIES } from '~/lib/contracts/wecom';
import { loadWecomSettings, saveWecomConnection, simulateWecom, startWecomSync, testWecomConnection } from '~/lib/wecom.server';
import { sidebarUrl } from '~/lib/sidebar.server';
import { CallbackInbox } from './callback-inbox';
import { ConnectionForm } from './connection';
import { ConnectionTest, ConsoleValues, TagQuota } from './setup-cards';

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

export default function WecomSettings() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const nav = useNavigation();
  const t = useT();
  const c = d.connection;
  useRevalidateWhile(Boolean(d.sync.active) || d.inboxCounts.pending > 0);
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
        <ConnectionForm d={d} submitting={submitting} />
        <div>
          <ConsoleValues d={d} />
          <ConnectionTest d={d} submitting={submitting} />
          <TagQuota d={d} />
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

      <CallbackInbox d={d} />
    </>
  );
}
