/**
 * Column mapping of an order file: which column holds which field, the refund rule, what to do with unknown
 * stores and clerks (rejected unless the user picks "create"). One zod schema serves the upload form, the CLI
 * (`--map field=Column,...`), presets and the engine. The fields come from app/lib/contracts/import-fields.ts, the
 * source the template and the field guide share. Pure; unit-tested.
 */
import { z } from 'zod';
import { ORDER_FIELD_SPECS } from '../../app/lib/contracts/import-fields';
import { ValidationError } from '../lib/errors';
import { parseOrThrow, type ParseOptions } from '../lib/validation';

/** The order fields, their labels and recognised headers: one source with the template and the field guide. */
export const ORDER_FIELDS = ORDER_FIELD_SPECS.map((f) => f.id) as [OrderField, ...OrderField[]];
export type OrderField = (typeof ORDER_FIELD_SPECS)[number]['id'];

const columnsSchema = z.partialRecord(z.enum(ORDER_FIELDS), z.string().trim().min(1).max(200));

export const mappingSchema = z
  .object({
    columns: columnsSchema,
    refund: z
      .object({
        prefix: z.string().trim().max(20).optional(),
        statusValues: z.array(z.string().trim().min(1).max(50)).max(20).optional(),
        negativeTotal: z.boolean().optional(),
      })
      .default({}),
    /** Rows naming a store code or clerk the account does not have are rejected unless the user chose to create them. */
    unknownStores: z.enum(['create', 'reject']).default('reject'),
    unknownClerks: z.enum(['create', 'reject']).default('reject'),
    defaultChannel: z.enum(['pos', 'mini_program', 'ecommerce', 'group_buy', 'other']).default('pos'),
    moneyUnit: z.enum(['yuan', 'fen']).default('yuan'),
  })
  .superRefine((m, ctx) => {
    if (!m.columns.order_no) ctx.addIssue({ code: 'custom', path: ['columns', 'order_no'], message: '必须映射订单号 / order_no must be mapped' });
    if (!m.columns.paid_at) ctx.addIssue({ code: 'custom', path: ['columns', 'paid_at'], message: '必须映射支付时间 / paid_at must be mapped' });
    if (!m.columns.amount && !m.columns.unit_price)
      ctx.addIssue({ code: 'custom', path: ['columns', 'amount'], message: '必须映射金额，或数量+单价 / map amount, or quantity + unit_price' });
  });

export type OrderMapping = z.output<typeof mappingSchema>;
export type OrderMappingInput = z.input<typeof mappingSchema>;

/** How an invalid mapping (of an order or a member file) is told: its issues under their field paths, with per-field details. */
export const MAPPING_ERROR: ParseOptions = { prefix: '映射无效 / Invalid mapping: ', field: null, details: 'fields' };

export function parseMapping(input: unknown): OrderMapping {
  return parseOrThrow(mappingSchema, input, MAPPING_ERROR);
}

/** `order_no=InvoiceNo,paid_at=InvoiceDate,...` → columns. Unknown field names are refused with the list of fields. */
export function parseMapArg<F extends string = OrderField>(arg: string, fields: readonly F[] = ORDER_FIELDS as unknown as readonly F[]): Partial<Record<F, string>> {
  const out: Partial<Record<F, string>> = {};
  for (const part of arg.split(',')) {
    if (!part.trim()) continue;
    const i = part.indexOf('=');
    if (i <= 0) throw new ValidationError(`--map: "${part}" is not field=Column`);
    const field = part.slice(0, i).trim();
    const column = part.slice(i + 1).trim();
    if (!(fields as readonly string[]).includes(field)) throw new ValidationError(`--map: unknown field "${field}" (fields: ${fields.join(', ')})`);
    if (!column) throw new ValidationError(`--map: no column given for ${field}`);
    out[field as F] = column;
  }
  return out;
}

/** Index of each mapped field in the header (exact name first, then trimmed case-insensitive). */
export function resolveColumns<F extends string = OrderField>(mapping: { columns: Partial<Record<F, string>> }, header: readonly string[]): Partial<Record<F, number>> {
  const exact = new Map<string, number>();
  const loose = new Map<string, number>();
  header.forEach((h, i) => {
    if (!exact.has(h)) exact.set(h, i);
    const k = h.trim().toLowerCase();
    if (!loose.has(k)) loose.set(k, i);
  });
  const out: Partial<Record<F, number>> = {};
  const missing: string[] = [];
  for (const [field, col] of Object.entries(mapping.columns) as [F, string][]) {
    const i = exact.get(col) ?? loose.get(col.trim().toLowerCase());
    if (i === undefined) missing.push(`${field}=${col}`);
    else out[field] = i;
  }
  if (missing.length) {
    throw new ValidationError(
      `文件中没有这些列 / Column(s) not in the file: ${missing.join(', ')}. 文件的列 / The file's columns: ${header.map((h) => JSON.stringify(h)).join(', ')}`,
      missing.map((m) => ({ field: `columns.${m.split('=')[0]}`, message: 'column not found' })),
    );
  }
  return out;
}

const SYNONYMS = Object.fromEntries(ORDER_FIELD_SPECS.map((f) => [f.id, f.headers.map((h) => h.trim().toLowerCase())])) as Record<OrderField, string[]>;

/** Best-guess columns from header names (the upload form's starting point). */
export function guessColumns<F extends string = OrderField>(
  header: readonly string[],
  fields: readonly F[] = ORDER_FIELDS as unknown as readonly F[],
  synonyms: Record<F, string[]> = SYNONYMS as Record<F, string[]>,
): Partial<Record<F, string>> {
  const out: Partial<Record<F, string>> = {};
  const used = new Set<number>();
  const norm = header.map((h) => h.trim().toLowerCase());
  for (const field of fields) {
    for (const syn of synonyms[field]) {
      const i = norm.findIndex((h, idx) => !used.has(idx) && h === syn);
      if (i >= 0) {
        out[field] = header[i]!;
        used.add(i);
        break;
      }
    }
  }
  return out;
}
