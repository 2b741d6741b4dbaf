/**
 * Last line of defence for the long-running processes (`npm start`, `npm run worker`): a promise rejection or
 * exception that no code handled is logged with its context (message, stack, origin) and the process keeps
 * serving, instead of Node's default of ending it silently mid-request for every other user. Code paths must
 * still handle their own errors; a log line here is a bug to fix.
 */
import type { Logger } from './log';

export function installProcessGuards(log: Logger, proc: NodeJS.Process = process): void {
  proc.on('unhandledRejection', (reason: unknown) => {
    log.error('unhandled promise rejection (process kept running)', { error: reason instanceof Error ? reason : String(reason) });
  });
  proc.on('uncaughtException', (error: Error, origin: string) => {
    log.error('uncaught exception (process kept running)', { error, origin });
  });
}
