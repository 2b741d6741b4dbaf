/** Bridge of the customers list page (server-only): server/customers/list-page.service.ts reads it in one tenant transaction. */
export { customersPage } from '../../server/customers/list-page.service';
