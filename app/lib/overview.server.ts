export { chainOverview } from '../../server/tenancy/overview';
