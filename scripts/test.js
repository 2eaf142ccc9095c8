#!/usr/bin/env node
/**
 * `npm test`: the type check, the jest suites and the VM checks, run at the same time (the
 * VM suite spends most of its time in bounded waits, the type check on one core), each one's
 * output printed whole when it ends. Exits 1 when any step failed, naming them.
 * Each step is also a script of its own: `npm run typecheck`, `test:unit`, `test:vm`.
 */
'use strict';
const { spawn } = require('node:child_process');
const os = require('node:os');

/**
 * Step → its scheduling priority (niceness). The VM suite asserts bounds in seconds on its
 * waits, so it keeps the normal priority and the CPU-bound steps yield to it.
 */
const STEPS = { typecheck: 5, 'test:unit': 5, 'test:vm': 0 };

function run(step) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '-s', step], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      // Inherited by everything npm starts for the step.
      os.setPriority(child.pid, STEPS[step]);
    } catch {
      // Not permitted here: the steps share the CPU equally.
    }
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => { output += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk) => { output += chunk; });
    child.on('error', (error) => resolve({ step, ok: false, output: `${output}\n${error.message}`, seconds: (Date.now() - started) / 1000 }));
    child.on('close', (code) => resolve({ step, ok: code === 0, output, seconds: (Date.now() - started) / 1000 }));
  }).then((result) => {
    process.stdout.write(`\n== npm run ${step}: ${result.ok ? 'passed' : 'FAILED'} in ${result.seconds.toFixed(1)} s\n${result.output.trimEnd()}\n`);
    return result;
  });
}

Promise.all(Object.keys(STEPS).map(run)).then((results) => {
  const failed = results.filter((r) => !r.ok).map((r) => r.step);
  process.stdout.write(`\nnpm test: ${failed.length === 0 ? `all ${results.length} steps passed` : `FAILED: ${failed.join(', ')}`}\n`);
  process.exitCode = failed.length === 0 ? 0 : 1;
});
