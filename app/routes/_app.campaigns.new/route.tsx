/** The campaign editor: a new draft from a segment; on save, the campaign page with its dry run and schedule buttons. */
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs } from '@remix-run/node';
import { json, redirect } from '@remix-run/node';
import { useActionData, useLoaderData } from '@remix-run/react';
import { CampaignEditor } from '~/components/campaigns/editor';
import { createFromEditor, editorOptions } from '~/lib/campaigns.server';
import { issuesByField } from '~/lib/contracts/campaign-editor';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import styles from '~/styles/campaigns.css';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: styles }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'campaigns.manage');
  return json(await editorOptions(context, actor));
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { actor, form } = await requireMutation(request, context, 'campaigns.manage');
  try {
    const out = await createFromEditor(context, actor, form);
    return redirect(`/campaigns/${out.id}`);
  } catch (e) {
    return actionError(e, context);
  }
}

export default function NewCampaign() {
  const d = useLoaderData<typeof loader>();
  const a = useActionData<typeof action>();
  const t = useT();
  return (
    <>
      <h1>{t('新建营销活动', 'New campaign')}</h1>
      <CampaignEditor segments={d.segments} error={a && !a.ok ? a.error : undefined} issues={a && !a.ok ? issuesByField(a.details) : undefined} />
    </>
  );
}
