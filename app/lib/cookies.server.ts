export { readCookie } from '../../server/tenancy/auth.service';
