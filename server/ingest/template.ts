/**
 * The downloadable template of an import kind: the headers the mapper recognises and a sample row, as CSV with a
 * UTF-8 BOM so Excel opens the Chinese headers correctly. Generated from the kind's field list
 * (app/lib/contracts/import-fields.ts), the source the mapper and the field guide share.
 */
import { csvLine } from '../../app/lib/csv';
import { IMPORT_KINDS, templateRows, type ImportKind } from '../../app/lib/contracts/import-fields';

export function importTemplateCsv(kind: ImportKind): string {
  const [header, sample] = templateRows(kind);
  return '\ufeff' + csvLine(header) + csvLine(sample);
}

export function importTemplateFileName(kind: ImportKind): { ascii: string; utf8: string } {
  return { ascii: `huike-${kind}-template.csv`, utf8: `回客-${IMPORT_KINDS[kind].label[0]}导入模板.csv` };
}
