import type { LoaderFunctionArgs } from '@remix-run/node';
import { z } from 'zod';
import { IMPORT_KIND_IDS } from '~/lib/contracts/import-fields';
import { requireActor } from '~/lib/guards.server';
import { templateResponse } from '~/lib/ingest.server';

const fileParam = z
  .string()
  .regex(/^[a-z_]+\.csv$/)
  .transform((f) => f.slice(0, -4))
  .pipe(z.enum(IMPORT_KIND_IDS));

/** /imports/templates/<kind>.csv: the import kind's template (recognised headers, a sample row, UTF-8 BOM). */
export async function loader({ request, context, params }: LoaderFunctionArgs) {
  await requireActor(request, context, 'imports.manage');
  const kind = fileParam.safeParse(params.file);
  if (!kind.success) throw new Response('没有这种导入模板 / No such template', { status: 404 });
  return templateResponse(kind.data);
}
