import type { Services } from '../../server/services';

declare module '@remix-run/node' {
  interface AppLoadContext {
    services: Services;
    requestId: string;
    clientIp: string | null;
    /** This request's Content-Security-Policy nonce (server/http/security.ts), for every inline script. */
    cspNonce: string;
  }
}
export {};
