/** Bridge for the settings routes. */
export * from '../../server/tenancy/settings.service';
export { createStaff } from '../../server/tenancy/tenants.service';
export { withTenant } from '../../server/tenancy/context';
export { clerkSettings, saveClerkSettings } from '../../server/clerk/settings';
