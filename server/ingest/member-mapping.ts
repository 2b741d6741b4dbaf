/**
 * Column mapping of a member file (imports of kind `members`): which column holds which member field. One zod
 * schema serves the upload form, the CLI (`--map field=Column,...`) and the engine. Pure; unit-tested.
 * A column that is not mapped, or an empty cell, leaves the field as it is; the member number is required.
 */
import { z } from 'zod';
import { ValidationError } from '../lib/errors';
import { resolveColumns } from './mapping';

export const MEMBER_FIELDS = ['member_no', 'mobile', 'name', 'gender', 'birthday', 'level', 'points', 'store_code', 'registered_on', 'opt_out'] as const;
export type MemberField = (typeof MEMBER_FIELDS)[number];

export const MEMBER_FIELD_LABELS: Record<MemberField, [string, string]> = {
  member_no: ['会员号', 'Member number'],
  mobile: ['手机号', 'Mobile'],
  name: ['姓名', 'Name'],
  gender: ['性别', 'Gender'],
  birthday: ['生日', 'Birthday'],
  level: ['会员等级', 'Level'],
  points: ['积分', 'Points'],
  store_code: ['开卡门店编码', 'Register store code'],
  registered_on: ['开卡日期', 'Registered on'],
  opt_out: ['拒收营销', 'Opted out of marketing'],
};

/** What each field accepts (the field guide next to the mapping). */
export const MEMBER_FIELD_HINTS: Record<MemberField, [string, string]> = {
  member_no: ['必填，每位会员唯一', 'Required, one per member'],
  mobile: ['中国大陆手机号，用于匹配企微客户', 'Mainland mobile; matches WeCom customers'],
  name: ['', ''],
  gender: ['男 / 女 / 未知（或 M / F）', 'male / female / unknown (or M / F, 男 / 女)'],
  birthday: ['YYYY-MM-DD，或不含年份的 MM-DD', 'YYYY-MM-DD, or MM-DD without the year'],
  level: ['例如 金卡', 'e.g. Gold'],
  points: ['非负整数', 'A whole number ≥ 0'],
  store_code: ['须为已有门店的编码', 'Must be the code of an existing store'],
  registered_on: ['YYYY-MM-DD', 'YYYY-MM-DD'],
  opt_out: ['是 / 否（Y / N）；“是”即不再接收营销', 'yes / no (Y / N, 是 / 否): yes excludes the member from campaigns'],
};

export const MEMBER_SYNONYMS: Record<MemberField, string[]> = {
  member_no: ['会员号', '会员卡号', '会员编号', '卡号', 'member_no', 'member no', 'memberno', 'member id', 'card no'],
  mobile: ['手机号', '手机', '电话', '联系电话', '手机号码', 'mobile', 'phone', 'tel'],
  name: ['姓名', '会员姓名', '名字', 'name', 'member name'],
  gender: ['性别', 'gender', 'sex'],
  birthday: ['生日', '出生日期', 'birthday', 'birth date', 'date of birth', 'dob'],
  level: ['会员等级', '等级', '级别', 'level', 'tier', 'grade'],
  points: ['积分', '可用积分', '当前积分', 'points', 'point balance'],
  store_code: ['开卡门店编码', '开卡门店', '注册门店', '门店编码', 'store_code', 'store code', 'register store'],
  registered_on: ['开卡日期', '注册日期', '入会日期', '开卡时间', 'registered_on', 'registered on', 'register date', 'join date'],
  opt_out: ['拒收营销', '退订', '拒绝营销', '营销退订', 'opt_out', 'opt out', 'marketing opt-out', 'unsubscribed'],
};

export const memberMappingSchema = z
  .object({
    columns: z.partialRecord(z.enum(MEMBER_FIELDS), z.string().trim().min(1).max(200)),
  })
  .superRefine((m, ctx) => {
    if (!m.columns.member_no) ctx.addIssue({ code: 'custom', path: ['columns', 'member_no'], message: '必须映射会员号 / member_no must be mapped' });
  });

export type MemberMapping = z.output<typeof memberMappingSchema>;

export function parseMemberMapping(input: unknown): MemberMapping {
  const r = memberMappingSchema.safeParse(input);
  if (!r.success) {
    const msg = r.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
    throw new ValidationError(`映射无效 / Invalid mapping: ${msg}`, r.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })));
  }
  return r.data;
}

/** Names a member field (as the SQL checks report it) by the file's own column, for the error report. */
export function memberColumnNamer(mapping: MemberMapping, header: readonly string[]): (field: string | null) => string {
  const idx = resolveColumns<MemberField>(mapping, header);
  return (field) => (field === null ? '' : idx[field as MemberField] === undefined ? field : header[idx[field as MemberField]!]!);
}
