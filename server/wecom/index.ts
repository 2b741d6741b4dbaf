/** server/wecom: the only code that talks to WeCom. The simulator lives in ./simulator (import it explicitly). */
export * from './client';
export * from './crypto';
export * from './events';
export * from './rate-limit';
export * from './token-store';
export * from './types';
export * as schemas from './schemas';
