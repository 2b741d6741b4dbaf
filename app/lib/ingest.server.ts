/** Bridge for the import routes: the ingest capability's server functions (kept out of the browser bundle). */
import { createReadStream, existsSync } from 'node:fs';
import { createReadableStreamFromReadable, type AppLoadContext } from '@remix-run/node';
import type { ImportKind } from './contracts/import-fields';
import { requireMutation } from './guards.server';
import { importTemplateCsv, importTemplateFileName } from '../../server/ingest/template';

export { receiveOrderUpload } from '../../server/ingest/upload';
export { cancelImport, discardImport, getImportForActor, listImportsForActor, listPresetsForActor, queueImport, setImportMapping } from '../../server/ingest/imports.service';
export { IMPORT_SORTABLE, type ImportSort } from '../../server/ingest/imports.repository';
export { guessColumns, parseMapping, ORDER_FIELDS, type OrderField, type OrderMapping } from '../../server/ingest/mapping';
export { toUserError } from '../../server/lib/errors';
export { readRejectedLines } from '../../server/ingest/error-report';

/** Upload guard: the CSRF token travels in the X-CSRF-Token header so the multipart body can be streamed. */
export async function requireUpload(request: Request, context: AppLoadContext) {
  const { actor } = await requireMutation(request, context, 'imports.manage');
  return { actor };
}

/** Streams an import's error report as a CSV download, or null when there is none. */
export function errorReportResponse(row: { file_name: string; error_report_path: string | null }): Response | null {
  if (!row.error_report_path || !existsSync(row.error_report_path)) return null;
  const name = `${row.file_name.replace(/\.[^.]+$/, '')}-errors.csv`;
  return new Response(createReadableStreamFromReadable(createReadStream(row.error_report_path)), {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="import-errors.csv"; filename*=UTF-8''${encodeURIComponent(name)}`,
      'Cache-Control': 'private, no-store',
    },
  });
}

/** The template of an import kind as a CSV download. */
export function templateResponse(kind: ImportKind): Response {
  const name = importTemplateFileName(kind);
  return new Response(importTemplateCsv(kind), {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${name.ascii}"; filename*=UTF-8''${encodeURIComponent(name.utf8)}`,
      'Cache-Control': 'private, max-age=300',
    },
  });
}
