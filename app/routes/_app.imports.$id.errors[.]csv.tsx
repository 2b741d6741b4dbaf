import type { LoaderFunctionArgs } from '@remix-run/node';
import { requireActor } from '~/lib/guards.server';
import { errorReportResponse, getImportForActor } from '~/lib/ingest.server';

/** The error report of an import: line, column, reason, message and the original row (UTF-8 with BOM for Excel). */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'imports.manage');
  const row = await getImportForActor(context.services, actor, params.id ?? '').catch(() => null);
  const res = row ? errorReportResponse(row) : null;
  if (!res) throw new Response('没有错误报告 / No error report', { status: 404 });
  return res;
}
