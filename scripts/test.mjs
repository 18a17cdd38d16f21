#!/usr/bin/env node
// `npm test`: runs vitest (arguments pass through) and ends with one plain line that CI reads,
// `N passed, N failed`. Counts come from vitest's JSON report: a test that passed on its retry
// counts as passed; a test file that could not run at all (an import error, a failing hook)
// counts as one failure, so a broken file never reads as "0 failed".
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const dir = mkdtempSync(path.join(os.tmpdir(), 'cartera-vitest-'));
const report = path.join(dir, 'report.json');
const vitest = path.join(import.meta.dirname, '..', 'node_modules', 'vitest', 'vitest.mjs');
const run = spawnSync(
  process.execPath,
  [
    vitest,
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
);

let passed = 0;
let failed = 0;
try {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  for (const file of json.testResults ?? []) {
    const tests = file.assertionResults ?? [];
    passed += tests.filter((t) => t.status === 'passed').length;
    const failedHere = tests.filter((t) => t.status === 'failed').length;
    failed += failedHere;
    if (failedHere === 0 && file.status === 'failed') failed += 1;
  }
} catch (err) {
  console.error(`[test] no vitest report (${err instanceof Error ? err.message : String(err)})`);
  failed += 1;
}
rmSync(dir, { recursive: true, force: true });
const code = run.status ?? 1;
if (code !== 0 && failed === 0) failed = 1; // vitest failed for a reason its report does not hold
console.log(`${passed} passed, ${failed} failed`);
process.exit(code === 0 && failed === 0 ? 0 : 1);
