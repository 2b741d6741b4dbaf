/**
 * `npm run huike -- <command>` (also the package's `bin`). Opens the same database as the app (DATABASE_URL or
 * the embedded one under .data/), brings it to the latest migration, runs one command. Errors print a clear
 * message and exit non-zero.
 */
import { parseArgs } from 'node:util';
import { bootConfig } from '../boot';
import { createLogger } from '../lib/log';
import { toUserError } from '../lib/errors';
import { openServices, type Services } from '../services';
import { installExtensions } from '../extensions';
import { CliUsageError, type CliCommand, type CliIo } from './command';
import { commands } from './commands';

function help(): string {
  return ['Usage: npm run huike -- <command> [options]', '', 'Commands:', ...commands.map((c) => `  ${c.usage}`)].join('\n');
}

export function findCommand(argv: string[]): { command: CliCommand; rest: string[] } | null {
  const sorted = [...commands].sort((a, b) => b.name.split(' ').length - a.name.split(' ').length);
  for (const c of sorted) {
    const words = c.name.split(' ');
    if (words.every((w, i) => argv[i] === w)) return { command: c, rest: argv.slice(words.length) };
  }
  return null;
}

export async function runCli(argv: string[], io: CliIo, servicesFactory?: () => Promise<Services>): Promise<number> {
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    io.out(help());
    return argv.length === 0 ? 2 : 0;
  }
  const found = findCommand(argv);
  if (!found) {
    io.err(`Unknown command: ${argv.join(' ')}\n\n${help()}`);
    return 2;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: found.rest, options: found.command.options, allowPositionals: true, strict: true });
  } catch (e) {
    io.err(`${(e as Error).message}\nUsage: ${found.command.usage}`);
    return 2;
  }
  if ((found.command.positionals ?? 0) < parsed.positionals.length) {
    io.err(`Unexpected argument(s): ${parsed.positionals.slice(found.command.positionals ?? 0).join(' ')}\nUsage: ${found.command.usage}`);
    return 2;
  }
  let services: Services | undefined;
  try {
    if (servicesFactory) services = await servicesFactory();
    else {
      const { config } = bootConfig();
      services = await openServices(config, { log: createLogger({ level: 'warn' }), appPoolSize: 4, ownerPoolSize: 3 });
      await installExtensions(services);
    }
    await found.command.run(services, parsed as { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] }, io);
    return 0;
  } catch (e) {
    if (e instanceof CliUsageError) {
      io.err(`Error: ${e.message}\nUsage: ${found.command.usage}`);
      return 2;
    }
    const ue = toUserError(e);
    io.err(`Error: ${ue ? ue.message : e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    if (services && !servicesFactory) await services.close();
  }
}
