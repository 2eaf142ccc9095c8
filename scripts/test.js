#!/usr/bin/env node
/**
 * `npm test`: the type check and the VM checks at the same time (the VM suite spends most of
 * its time in bounded waits, the type check uses one core), then the jest suites on both
 * cores, each step's output printed whole when it ends. The VM suite asserts bounds in seconds
 * on its waits, so it never shares the machine with jest, and the type check yields to it.
 * Exits 1 when any step failed, naming them. Each step is also a script of its own:
 * `npm run typecheck`, `test:vm`, `test:unit`.
 */
'use strict';
const { spawn } = require('node:child_process');
const os = require('node:os');

/** Phases run one after the other; the steps of a phase at once, each at its priority (niceness). */
const PHASES = [{ typecheck: 5, 'test:vm': 0 }, { 'test:unit': 0 }];

function run(step, priority) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '-s', step], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      // Inherited by everything npm starts for the step.
      os.setPriority(child.pid, priority);
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

async function main() {
  const results = [];
  for (const phase of PHASES) results.push(...(await Promise.all(Object.entries(phase).map(([step, priority]) => run(step, priority)))));
  const failed = results.filter((r) => !r.ok).map((r) => r.step);
  process.stdout.write(`\nnpm test: ${failed.length === 0 ? `all ${results.length} steps passed` : `FAILED: ${failed.join(', ')}`}\n`);
  process.exitCode = failed.length === 0 ? 0 : 1;
}

main();
