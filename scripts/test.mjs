#!/usr/bin/env node
// Runs the test suite with vitest and ends with one plain line, "Tests: N passed, N failed, N skipped", that CI
// systems and humans can read without knowing vitest's own format. Exits with vitest's exit code.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';

mkdirSync('test-output', { recursive: true });
const resultsFile = 'test-output/vitest-results.json';
const args = ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${resultsFile}`, ...process.argv.slice(2)];
const child = spawn('npx', args, { stdio: 'inherit' });
child.on('exit', (code, signal) => {
  if (existsSync(resultsFile)) {
    const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
    const skipped = results.numPendingTests + results.numTodoTests;
    console.log(`Tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped`);
  }
  process.exit(code ?? (signal ? 1 : 0));
});
