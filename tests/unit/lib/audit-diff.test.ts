import { describe, expect, it } from 'vitest';
import { auditChanges, auditValue } from '../../../app/lib/audit-diff';
import { translator } from '../../../app/lib/i18n';

const zh = translator('zh-CN');
const en = translator('en');

describe('audit log: before/after as a list of changed fields', () => {
  it('lists only the fields that changed, with their label, old → new', () => {
    const before = { id: '0190a6e1-0000-7000-8000-000000000001', name: '王店长', role: 'clerk', store_id: null, active: true };
    const after = { ...before, role: 'manager', regionIds: ['east'], passwordChanged: true };
    expect(auditChanges(before, after, zh)).toEqual([
      { key: 'role', label: '角色', before: 'clerk', after: 'manager', kind: 'changed' },
      { key: 'regionIds', label: '管辖区域', before: '—', after: 'east', kind: 'added' },
      { key: 'passwordChanged', label: '已修改密码', before: '—', after: '是', kind: 'added' },
    ]);
    expect(auditChanges({ repurchase_window_days: null }, { repurchase_window_days: 45 }, en)).toEqual([
      { key: 'repurchase_window_days', label: 'Repurchase window (days)', before: '—', after: '45', kind: 'changed' },
    ]);
  });

  it('a creation lists the new values; nothing changed lists nothing', () => {
    expect(auditChanges(null, { id: '0190a6e1-0000-7000-8000-000000000001', code: 'S9', name: '新店' }, zh).map((c) => [c.label, c.after, c.kind])).toEqual([
      ['代码', 'S9', 'added'],
      ['名称', '新店', 'added'],
    ]);
    expect(auditChanges({ a: 1 }, { a: 1 }, zh)).toEqual([]);
  });

  it('values read as text, not JSON', () => {
    expect(auditValue(false, en)).toBe('no');
    expect(auditValue(['会员', '高价值'], zh)).toBe('会员、高价值');
    expect(auditValue({ file: 'orders.csv', mapping: null }, en)).toBe('File: orders.csv');
    expect(auditValue('0190a6e1-0000-7000-8000-000000000001', zh)).toBe('#0190a6e1');
    expect(auditValue('2026-12-07T03:00:00.000Z', zh, () => '2026-12-07 11:00')).toBe('2026-12-07 11:00');
    expect(auditValue({ unknown_field: 3 }, en)).toBe('unknown field: 3');
  });
});
