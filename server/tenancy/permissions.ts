/** Roles and typed permissions. Every loader and action names the permission it needs. */
import type { Role } from '../../db/schema';

export { ROLES } from '../../app/lib/contracts/roles';

const MATRIX = {
  'dashboard.view': ['admin', 'ops', 'manager'],
  'customers.view': ['admin', 'ops', 'manager', 'clerk'],
  'customers.tag': ['admin', 'ops', 'clerk'],
  'customers.edit': ['admin', 'ops', 'clerk'],
  'segments.view': ['admin', 'ops', 'manager'],
  'segments.manage': ['admin', 'ops'],
  'campaigns.view': ['admin', 'ops', 'manager'],
  'campaigns.manage': ['admin', 'ops'],
  /** When the tenant requires it, a campaign's first send waits for an admin's approval. */
  'campaigns.approve': ['admin'],
  'imports.manage': ['admin', 'ops'],
  'channels.manage': ['admin', 'ops'],
  /** Welcome messages, handovers (离职/在职继承) and moments (朋友圈); clerks see their own tasks in /m. */
  'wecom.ops': ['admin', 'ops'],
  'tags.manage': ['admin', 'ops'],
  'scripts.manage': ['admin', 'ops'],
  'settings.view': ['admin', 'ops'],
  'settings.manage': ['admin'],
  'staff.manage': ['admin'],
  'wecom.manage': ['admin'],
  'apikeys.manage': ['admin'],
  'audit.view': ['admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof MATRIX;

export function can(role: Role, permission: Permission): boolean {
  return (MATRIX[permission] as readonly Role[]).includes(role);
}

export function permissionsOf(role: Role): Permission[] {
  return (Object.keys(MATRIX) as Permission[]).filter((p) => can(role, p));
}
