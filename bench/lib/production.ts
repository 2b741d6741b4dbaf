/**
 * Benchmarks that serve pages measure React's production build, as a deployment runs it (`NODE_ENV=production`).
 * React picks its build from NODE_ENV when it is first imported — before any line of the benchmark runs — so a
 * benchmark started without it re-runs itself with it and exits with the child's code.
 */
import { spawn } from 'node:child_process';
import { WEB_NODE_FLAGS } from '../../scripts/compiled.mjs';

/** Re-runs the benchmark as `npm start` runs the web process: NODE_ENV=production and the web process's V8 flags. */
export async function rerunInProduction(): Promise<void> {
  if (process.env.NODE_ENV === 'production') return;
  const child = spawn(process.execPath, [...WEB_NODE_FLAGS, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  const code = await new Promise<number>((r) => child.on('exit', (c) => r(c ?? 1)));
  process.exit(code);
}
