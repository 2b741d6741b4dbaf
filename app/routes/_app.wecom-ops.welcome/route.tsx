/**
 * Welcome messages (欢迎语): one per channel code, clerk or store, and a default. Sent from the callback's fast path
 * within the WelcomeCode's 20 seconds; the report shows, per channel code, customers added, welcomed, and bought
 * within 30 days.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { FormResult } from '~/components/form-result';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { loadWelcomePage, removeWelcome, saveWelcome } from '~/lib/wecom-ops.server';
import { WelcomeForm } from './welcome-form';
import { MessagesTable, ReportTable, SendsTable } from './welcome-tables';

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

export default function WelcomePage() {
  const { messages, report, sends, options } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  return (
    <>
      <p className="muted">
        {t(
          '客户通过渠道码或直接添加导购时，回客在收到回调后立即发送欢迎语（欢迎码 20 秒内有效、只能用一次）。优先级：渠道码 → 导购 → 门店 → 默认。',
          'When a customer adds a clerk, Huike sends the welcome message straight from the callback (the welcome code lives 20 seconds and works once). Precedence: channel code → clerk → store → default.',
        )}
      </p>
      <FormResult data={result} ok={t('已保存', 'Saved')} />
      <WelcomeForm options={options} />
      <h2>{t('当前欢迎语', 'Current messages')}</h2>
      <MessagesTable rows={messages} />
      <h2>{t('渠道码效果', 'By channel code')}</h2>
      <ReportTable rows={report} />
      <h2>{t('最近发送', 'Recent sends')}</h2>
      <SendsTable rows={sends} />
    </>
  );
}
