/** Bridge for the settings routes. */
export * from '../../server/tenancy/settings.service';
