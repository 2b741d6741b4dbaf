/** Staff roles, in the order the settings pages offer them (client-safe: see ./README.md). */
import type { Role } from '../../../db/schema';

export const ROLES = ['admin', 'ops', 'manager', 'clerk'] as const satisfies readonly Role[];
