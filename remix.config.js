/** Remix v2 classic compiler. The express host in server/index.ts serves the build. */
/** @type {import('@remix-run/dev').AppConfig} */
export default {
  ignoredRouteFiles: ['**/.*', '**/*.test.*'],
  serverModuleFormat: 'esm',
  serverPlatform: 'node',
  // Domain code under server/ is imported by routes only from *.server.ts modules; keep it out of the browser.
  browserNodeBuiltinsPolyfill: { modules: {} },
  watchPaths: ['./server/**/*.ts'],
  future: { v3_fetcherPersist: true, v3_relativeSplatPath: true, v3_throwAbortReason: true, v3_lazyRouteDiscovery: true },
};
