/**
 * Column mapping of a member file (imports of kind `members`): which column holds which member field. One zod
 * schema serves the upload form, the CLI (`--map field=Column,...`) and the engine; the fields come from
 * app/lib/contracts/import-fields.ts (with the template and the field guide). Pure.
 * A column that is not mapped, or an empty cell, leaves the field as it is; the member number is required.
 */
import { z } from 'zod';
import { MEMBER_FIELD_SPECS } from '../../app/lib/contracts/import-fields';
import { parseOrThrow } from '../lib/validation';
import { MAPPING_ERROR, resolveColumns } from './mapping';

/** The member fields and their recognised headers: one source with the template and the field guide. */
export const MEMBER_FIELDS = MEMBER_FIELD_SPECS.map((f) => f.id) as [MemberField, ...MemberField[]];
export type MemberField = (typeof MEMBER_FIELD_SPECS)[number]['id'];

export const MEMBER_SYNONYMS = Object.fromEntries(MEMBER_FIELD_SPECS.map((f) => [f.id, f.headers.map((h) => h.trim().toLowerCase())])) as Record<MemberField, string[]>;

export const memberMappingSchema = z
  .object({
    columns: z.partialRecord(z.enum(MEMBER_FIELDS), z.string().trim().min(1).max(200)),
  })
  .superRefine((m, ctx) => {
    if (!m.columns.member_no) ctx.addIssue({ code: 'custom', path: ['columns', 'member_no'], message: '必须映射会员号 / member_no must be mapped' });
  });

export type MemberMapping = z.output<typeof memberMappingSchema>;

export function parseMemberMapping(input: unknown): MemberMapping {
  return parseOrThrow(memberMappingSchema, input, MAPPING_ERROR);
}

/** Names a member field (as the SQL checks report it) by the file's own column, for the error report. */
export function memberColumnNamer(mapping: MemberMapping, header: readonly string[]): (field: string | null) => string {
  const idx = resolveColumns<MemberField>(mapping, header);
  return (field) => (field === null ? '' : idx[field as MemberField] === undefined ? field : header[idx[field as MemberField]!]!);
}
