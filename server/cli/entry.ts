/** The CLI process: `npm run huike -- …` runs this (compiled to build/server/cli.js by `npm run build`). */
import { runCli } from './main';

const code = await runCli(process.argv.slice(2), { out: (l) => process.stdout.write(l + '\n'), err: (l) => process.stderr.write(l + '\n') });
process.exit(code);
