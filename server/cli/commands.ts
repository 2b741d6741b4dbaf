/** Every CLI command. Capabilities append theirs. */
import type { CliCommand } from './command';
import { tenancyCommands } from './tenancy.commands';
import { demoCommands } from './demo.commands';
import { ingestCommands } from './ingest.commands';
import { analyticsCommands } from './analytics.commands';
import { wecomCommands } from './wecom.commands';
import { dbCommands } from './db.commands';

export const commands: CliCommand[] = [...tenancyCommands, ...demoCommands, ...ingestCommands, ...analyticsCommands, ...wecomCommands, ...dbCommands];
