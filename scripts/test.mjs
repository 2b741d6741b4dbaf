#!/usr/bin/env node
// `npm test`: the whole suite. Unit and integration tests always; end-to-end tests in Debian's chromium when it
// is installed (required when CI=true or HUIKE_E2E=required, skipped with a clear message otherwise).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const vitest = path.join(root, 'node_modules/vitest/vitest.mjs');
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const e2eRequired = process.env.CI === 'true' || process.env.HUIKE_E2E === 'required';
const e2eOff = process.env.HUIKE_E2E === 'off';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'huike-test-report-'));

let passed = 0;
let failed = 0;
let skipped = 0;
let exitCode = 0;

function run(projects, extra = []) {
  const report = path.join(tmp, `${projects.join('-')}.json`);
  const args = [vitest, 'run', ...projects.flatMap((p) => ['--project', p]), '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra];
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (!existsSync(report)) {
    console.error(`vitest wrote no report for ${projects.join(', ')}: counting the run as failed`);
    exitCode = 1;
  } else {
    const j = JSON.parse(readFileSync(report, 'utf8'));
    passed += j.numPassedTests ?? 0;
    failed += j.numFailedTests ?? 0;
    skipped += (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
    if ((j.numTotalTests ?? 0) === 0) {
      console.error(`no tests ran in ${projects.join(', ')}: counting the run as failed`);
      exitCode = 1;
    }
  }
  if (r.status !== 0) exitCode = r.status ?? 1;
}

// One vitest run per project: vitest 4 refuses to mix projects with different worker settings in one run.
run(['unit'], process.argv.slice(2));
run(['integration'], process.argv.slice(2));

if (e2eOff) {
  console.log('\nEnd-to-end tests skipped (HUIKE_E2E=off).');
} else if (existsSync(chromium)) {
  const build = spawnSync(process.execPath, [path.join(root, 'node_modules/@remix-run/dev/dist/cli.js'), 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) exitCode = 1;
  else run(['e2e']);
} else if (e2eRequired) {
  console.error(`\nEnd-to-end tests are required but no chromium was found at ${chromium}. Install it: apt-get install -y chromium`);
  exitCode = 1;
} else {
  console.log(`\nEnd-to-end tests SKIPPED: no chromium at ${chromium} (apt-get install -y chromium to run them).`);
}

rmSync(tmp, { recursive: true, force: true });
console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(exitCode || (failed > 0 ? 1 : 0));
