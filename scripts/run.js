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
  diff: 'src/cli/diff.ts',
  matrix: 'src/cli/matrix.ts',
  'preview-offline': 'src/cli/preview-offline.ts',
  'set-image': 'src/cli/set-image.ts',
  synth: 'src/cli/synth.ts',
};

const root = path.resolve(__dirname, '..');

/**
 * Runs `entry` (a module path relative to the repository) with `args`. Expected failures (bad
 * configuration, bad usage) print their message only; anything else is a bug and prints its
 * stack, mapped to the TypeScript sources.
 */
async function runEntry(name, entry, args) {
  let loaded;
  try {
    loaded = await require('./bundle').load(root, entry);
  } catch (error) {
    if (error?.userFacing !== true) throw error;
    console.error(`${name}: ${error.message}`);
    process.exitCode = 1;
    return;
  }
  let completed = false;
  try {
    process.exitCode = await loaded.exports.main(args);
    completed = process.exitCode !== 2;
  } catch (error) {
    if (error && (error.name === 'ConfigError' || error.userFacing === true)) {
      console.error(`${name}: ${error.message}`);
      process.exitCode = 1;
    } else if (error && typeof error.code === 'string' && error.code.startsWith('ERR_PARSE_ARGS')) {
      console.error(`${name}: ${error.message}`);
      process.exitCode = 2;
    } else {
      for (let e = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) e.stack = loaded.mapStack(e.stack);
      console.error(`${name} failed:`, error);
      process.exitCode = 1;
    }
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
