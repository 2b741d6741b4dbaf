/** Bridge for routes: sign-in, sign-out and the tenancy services. */
export { login, logout, serializeSessionCookie } from '../../server/tenancy/auth.service';
export { can, permissionsOf, type Permission } from '../../server/tenancy/permissions';
export { toUserError } from '../../server/lib/errors';
