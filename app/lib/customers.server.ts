export { listCustomers, getCustomer, CUSTOMER_SORTS } from '../../server/customers/customers.repository';
export { withTenant } from '../../server/tenancy/context';
