export { listTenants, createTenantWithAdmin } from '../../server/tenancy/platform.service';
