/**
 * The request's Content-Security-Policy nonce for inline scripts (set by server/http/security.ts). The server
 * render provides it (app/entry.server.tsx); in the browser it is '' — browsers hide a nonce attribute's value
 * from the DOM, so '' is also what hydration finds there.
 */
import { createContext, useContext } from 'react';

const NonceContext = createContext('');

export const NonceProvider = NonceContext.Provider;

export function useNonce(): string {
  return useContext(NonceContext);
}
