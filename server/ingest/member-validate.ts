/**
 * Row validation of member files and API members: each row becomes a staged member (serialised for COPY, or bound
 * as JSON for an API batch) or a rejection with the line, the column, a reason code and a bilingual message.
 * Cross-row checks (one member number on lines that disagree, unknown register stores) happen later in SQL.
 * The mobile becomes a keyed hash (matching), a masked form (display) and a stable seal (tap-to-call).
 * Pure apart from the crypto; unit-tested.
 */
import { hashMobile, sealCustomerMobile, type MobileKey } from '../customers/mobile-identity';
import type { SecretBox } from '../lib/secret-box';
import { maskMobile, normalizeMobile } from '../tenancy/mobile';
import { resolveColumns } from './mapping';
import type { MemberField, MemberMapping } from './member-mapping';
import { parseBirthday, parseDate, parseGender, parseOptOut, parsePoints } from './member-values';
import { cellText, copyText, reasonMessage, type RejectReason, type Rejection } from './validate';
import { normalizeMemberNo } from './values';

export interface StagedMember {
  line: number;
  memberNo: string;
  mobileHash: string | null;
  mobileMasked: string | null;
  mobileSealed: string | null;
  name: string | null;
  gender: number | null;
  birthYear: number | null;
  birthMonth: number | null;
  birthDay: number | null;
  level: string | null;
  points: number | null;
  storeCode: string | null;
  registeredOn: string | null;
  optOut: boolean | null;
}

export type MemberRowResult = { ok: true; value: StagedMember } | { ok: false; error: Rejection };

export const MEMBER_MAX_LEN: Partial<Record<MemberField, number>> = { member_no: 64, name: 60, level: 40, store_code: 64 };

export interface MemberValidatorOptions {
  tenantId: string;
  mobileKey: MobileKey;
  box: SecretBox;
  /** Birth and register years after this are refused (default: this year). */
  maxYear?: number;
}

/** The raw text of each field of one member (a file row or an API object, as strings). */
export type MemberCells = Partial<Record<MemberField, string>>;

/** Validates one member given as text cells; `columnOf` names a field's column in the reject. */
export function validateMember(cells: MemberCells, line: number, opts: MemberValidatorOptions, columnOf: (f: MemberField) => string | null = (f) => f): MemberRowResult {
  const reject = (reason: RejectReason, field: MemberField | null, detail?: string): MemberRowResult => ({
    ok: false,
    error: { line, column: field ? columnOf(field) : null, reason, message: reasonMessage(reason, detail) },
  });
  const get = (f: MemberField) => cellText(cells[f]);
  const memberRaw = get('member_no');
  const memberNo = memberRaw ? normalizeMemberNo(memberRaw) : '';
  if (!memberNo) return reject('missing_member_no', 'member_no');
  for (const [f, max] of Object.entries(MEMBER_MAX_LEN) as [MemberField, number][]) if (get(f).length > max) return reject('too_long', f, `> ${max}`);
  const maxYear = opts.maxYear ?? new Date().getUTCFullYear();
  let mobile: { hash: string; masked: string; sealed: string } | null = null;
  const mobileRaw = get('mobile');
  if (mobileRaw) {
    const n = normalizeMobile(mobileRaw);
    if (!n) return reject('invalid_mobile', 'mobile', mobileRaw.length > 6 ? `${mobileRaw.slice(0, 3)}…${mobileRaw.slice(-2)}` : '…');
    mobile = { hash: hashMobile(opts.mobileKey, n), masked: maskMobile(n), sealed: sealCustomerMobile(opts.box, opts.tenantId, n) };
  }
  const gender = parseGender(get('gender'));
  if (gender === null) return reject('invalid_gender', 'gender', JSON.stringify(get('gender')));
  const birthday = parseBirthday(get('birthday'), maxYear);
  if (birthday === null) return reject('invalid_birthday', 'birthday', JSON.stringify(get('birthday')));
  const points = parsePoints(get('points'));
  if (points === null) return reject('invalid_points', 'points', JSON.stringify(get('points')));
  const registeredOn = parseDate(get('registered_on'), 1900, maxYear);
  if (registeredOn === null) return reject('invalid_registered_on', 'registered_on', JSON.stringify(get('registered_on')));
  const optOut = parseOptOut(get('opt_out'));
  if (optOut === null) return reject('invalid_opt_out', 'opt_out', JSON.stringify(get('opt_out')));
  return {
    ok: true,
    value: {
      line,
      memberNo,
      mobileHash: mobile?.hash ?? null,
      mobileMasked: mobile?.masked ?? null,
      mobileSealed: mobile?.sealed ?? null,
      name: get('name') || null,
      gender: gender ?? null,
      birthYear: birthday?.year ?? null,
      birthMonth: birthday?.month ?? null,
      birthDay: birthday?.day ?? null,
      level: get('level') || null,
      points: points ?? null,
      storeCode: get('store_code') || null,
      registeredOn: registeredOn ?? null,
      optOut: optOut ?? null,
    },
  };
}

/** The per-row validator of a member file (throws a ValidationError naming missing columns). */
export function createMemberRowValidator(mapping: MemberMapping, header: readonly string[], opts: MemberValidatorOptions) {
  const idx = resolveColumns<MemberField>(mapping, header);
  const fields = Object.entries(idx) as [MemberField, number][];
  const columnOf = (f: MemberField) => (idx[f] === undefined ? null : header[idx[f]!]!);
  const width = header.length;
  return function validate(values: string[], line: number, nul = false): MemberRowResult {
    if (values.length !== width) return { ok: false, error: { line, column: null, reason: 'column_count', message: reasonMessage('column_count', `${width} ≠ ${values.length}`) } };
    if (nul) {
      const k = values.findIndex((v) => v.indexOf('\u0000') >= 0);
      return { ok: false, error: { line, column: header[k] ?? null, reason: 'invalid_character', message: reasonMessage('invalid_character') } };
    }
    const cells: MemberCells = {};
    for (const [f, i] of fields) cells[f] = values[i];
    return validateMember(cells, line, opts, columnOf);
  };
}

export const MEMBER_STAGING_COLUMNS = [
  'tenant_id',
  'import_id',
  'line_no',
  'member_no',
  'mobile_hash',
  'mobile_masked',
  'mobile_sealed',
  'name',
  'gender',
  'birth_year',
  'birth_month',
  'birth_day',
  'level',
  'points',
  'store_code',
  'registered_on',
  'opt_out',
] as const;

const num = (v: number | null) => (v === null ? '\\N' : String(v));

/** One staged member as a COPY row of copiedStagingColumns(MEMBER_STAGING_COLUMNS): tenant and import are the partition's defaults. */
export function copyMemberRow(m: StagedMember): string {
  return (
    [
      m.line,
      copyText(m.memberNo),
      copyText(m.mobileHash),
      copyText(m.mobileMasked),
      copyText(m.mobileSealed),
      copyText(m.name),
      num(m.gender),
      num(m.birthYear),
      num(m.birthMonth),
      num(m.birthDay),
      copyText(m.level),
      num(m.points),
      copyText(m.storeCode),
      copyText(m.registeredOn),
      m.optOut === null ? '\\N' : m.optOut ? 't' : 'f',
    ].join('\t') + '\n'
  );
}
