/**
 * Editing a draft campaign with the same editor as a new one. Only a draft is editable (once scheduled it is
 * fixed: cancel and create a new one); the service refuses anything else, validates the whole campaign again and
 * audits the change (`campaign.update`, before and after).
 */
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json, redirect } from '@remix-run/node';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import { CampaignEditor } from '~/components/campaigns/editor';
import { StatusBadge } from '~/components/campaigns/labels';
import { editPage, idOr404, or404, updateFromEditor } from '~/lib/campaigns.server';
import { issuesByField } from '~/lib/contracts/campaign-editor';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import styles from '~/styles/campaigns.css';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: styles }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.name} · 编辑活动` : '编辑活动' }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'campaigns.manage');
  return json(await or404(editPage(context, actor, idOr404(params.id))));
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const { actor, form } = await requireMutation(request, context, 'campaigns.manage');
  const id = idOr404(params.id);
  try {
    await or404(updateFromEditor(context, actor, id, form));
    return redirect(`/campaigns/${id}`);
  } catch (e) {
    return actionError(e, context);
  }
}

export default function EditCampaign() {
  const d = useLoaderData<typeof loader>();
  const a = useActionData<typeof action>();
  const t = useT();
  return (
    <>
      <p><Link to={`/campaigns/${d.id}`}>← {d.name}</Link></p>
      <div className="campaign-head">
        <h1>{t('编辑营销活动', 'Edit campaign')}</h1>
        <StatusBadge status={d.status} />
      </div>
      {d.editable ? (
        <CampaignEditor segments={d.segments} initial={d.values} error={a && !a.ok ? a.error : undefined} issues={a && !a.ok ? issuesByField(a.details) : undefined} submitLabel={t('保存修改', 'Save changes')} />
      ) : (
        <div className="alert error" role="alert" data-testid="not-editable">
          {t('只有草稿可以修改。已排期或已发送的活动请取消后新建。', 'Only a draft can be edited. Cancel a scheduled or sent campaign and create a new one.')}
        </div>
      )}
    </>
  );
}
