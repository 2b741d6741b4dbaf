/** The CLI's command contract. Capabilities add commands to server/cli/commands.ts. */
import type { ParseArgsConfig } from 'node:util';
import type { Services } from '../services';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export interface CliCommand {
  /** e.g. "tenant create" */
  name: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Number of positional arguments after the command words. */
  positionals?: number;
  run(services: Services, args: { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] }, io: CliIo): Promise<void>;
}

export function requireString(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v.trim() === '') throw new CliUsageError(`--${name} is required`);
  return v;
}

export function optionalString(values: Record<string, unknown>, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export class CliUsageError extends Error {}
