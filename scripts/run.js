#!/usr/bin/env node
/**
 * Runs a command (`node scripts/run.js <command> [args…]`): the package.json scripts, CI and
 * cdk8s.yaml all come through here. A command is a module of src/cli/ exporting
 * `main(argv): number | Promise<number>` (the exit code). scripts/bundle.js loads it as one
 * cached bundle (built again only when a source or dependency changed) through V8's code
 * cache, which keeps the main job near the cost of loading cdk8s-plus itself.
 */
'use strict';
const path = require('node:path');

/** Command → its module. Add a line to add a command (kept sorted). */
const COMMANDS = {
  'cdk8s-app': 'src/cli/cdk8s-app.ts',
  check: 'src/cli/check.ts',
  'credential-renewal': 'src/cli/credential-renewal.ts',
  'derive-crds': 'src/cli/derive-crds.ts',
  diff: 'src/cli/diff.ts',
  environments: 'src/cli/environments.ts',
  matrix: 'src/cli/matrix.ts',
  'policy-import': 'src/cli/policy-import.ts',
  'new-environment': 'src/cli/new-environment.ts',
  'preview-offline': 'src/cli/preview-offline.ts',
  redact: 'src/cli/redact.ts',
  render: 'src/cli/render.ts',
  'set-image': 'src/cli/set-image.ts',
  synth: 'src/cli/synth.ts',
  takeover: 'src/cli/takeover.ts',
};

const root = path.resolve(__dirname, '..');

/**
 * Runs `entry` (a module path relative to the repository) with `args`. Expected failures (bad
 * configuration, bad usage) print their message only; anything else is a bug and prints its
 * stack, mapped to the TypeScript sources.
 */
async function runEntry(name, entry, args) {
  const { reportFailure } = require('./report-failure');
  let loaded;
  try {
    loaded = await require('./bundle').load(root, entry);
  } catch (error) {
    // A build error (a syntax error in an environment file, say) is located, not a stack.
    process.exitCode = reportFailure(name, error, args, root);
    return;
  }
  let completed = false;
  try {
    process.exitCode = await loaded.exports.main(args);
    completed = process.exitCode !== 2;
  } catch (error) {
    // Stacks point at the TypeScript sources, so a configuration file that fails to evaluate is located.
    for (let e = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) e.stack = loaded.mapStack(e.stack);
    if (error && typeof error.code === 'string' && error.code.startsWith('ERR_PARSE_ARGS')) Object.assign(error, { userFacing: true, exitCode: 2 });
    // User errors (src/errors/user-error.ts) print their message only; a bug prints its stack.
    process.exitCode = reportFailure(name, error, args, root);
  }
  // Only a run that did its work (not a usage error or a crash): the code cache keeps what the
  // first saved run compiled.
  if (completed) loaded.saveCodeCache();
}

if (require.main === module) {
  const [command, ...args] = process.argv.slice(2);
  if (!Object.hasOwn(COMMANDS, command ?? '')) {
    console.error(`usage: node scripts/run.js <command> [args…]\ncommands: ${Object.keys(COMMANDS).join(', ')}`);
    process.exit(2);
  }
  runEntry(command, COMMANDS[command], args).catch((error) => {
    console.error(`${command} failed:`, error);
    process.exitCode = 1;
  });
}

module.exports = { COMMANDS, runEntry };
