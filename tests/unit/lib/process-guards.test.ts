/**
 * The host's last line of defence: a rejection or exception nobody handled is logged with its context and the
 * process goes on (run in a child process, since the point is whether a real Node process survives).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');

function run(withGuards: boolean) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'huike-guards-'));
  const script = path.join(dir, 'probe.ts');
  writeFileSync(
    script,
    `import { createLogger } from ${JSON.stringify(path.join(root, 'server/lib/log.ts'))};
import { installProcessGuards } from ${JSON.stringify(path.join(root, 'server/lib/process-guards.ts'))};
const log = createLogger({ sink: (l) => process.stdout.write(l + '\\n') });
if (${withGuards}) installProcessGuards(log);
void Promise.reject(new Error('pipeline of upload 42 failed'));
setTimeout(() => { throw new Error('timer blew up'); }, 10);
setTimeout(() => process.stdout.write('still serving\\n'), 100);
`,
  );
  return spawnSync(path.join(root, 'node_modules/.bin/tsx'), [script], { encoding: 'utf8', timeout: 30_000 });
}

describe('process guards', () => {
  it('log an unhandled rejection and an uncaught exception with context, and the process keeps running', () => {
    const r = run(true);
    expect(r.stdout).toContain('unhandled promise rejection');
    expect(r.stdout).toContain('pipeline of upload 42 failed');
    expect(r.stdout).toContain('uncaught exception');
    expect(r.stdout).toContain('timer blew up');
    expect(r.stdout).toContain('still serving');
    expect(r.status).toBe(0);
  });

  it('without them Node ends the process (what the guards prevent)', () => {
    const r = run(false);
    expect(r.stdout).not.toContain('still serving');
    expect(r.status).not.toBe(0);
  });
});
