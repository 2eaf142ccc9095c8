#!/usr/bin/env node
/**
 * Runs a command of src/cli/ (`node scripts/run.js <command> [args…]`).
 * esbuild bundles the TypeScript (transpile only, no type check: `npm run typecheck` does
 * that) into .build/, which is then required in this same process. This keeps the main job
 * well under a second; a type-checking loader would take several.
 */
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const [command, ...args] = process.argv.slice(2);
const root = path.resolve(__dirname, '..');
const entry = path.join(root, 'src', 'cli', `${command}.ts`);
if (!command || !fs.existsSync(entry)) {
  const commands = fs.readdirSync(path.join(root, 'src', 'cli')).filter((f) => f.endsWith('.ts') && f !== 'context.ts').map((f) => f.slice(0, -3));
  console.error(`usage: node scripts/run.js <command> [args…]\ncommands: ${commands.join(', ')}`);
  process.exit(2);
}
const outfile = path.join(root, '.build', `${command}.js`);
require('esbuild').buildSync({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'warning',
});
process.setSourceMapsEnabled(true);

// Expected failures (bad configuration, bad usage) print their message only; anything
// else is a bug and prints its stack.
Promise.resolve()
  .then(() => require(outfile).main(args))
  .then((code) => { process.exitCode = code; })
  .catch((error) => {
    if (error && (error.name === 'ConfigError' || error.userFacing === true)) {
      console.error(`${command}: ${error.message}`);
      process.exitCode = 1;
    } else if (error && typeof error.code === 'string' && error.code.startsWith('ERR_PARSE_ARGS')) {
      console.error(`${command}: ${error.message}`);
      process.exitCode = 2;
    } else {
      console.error(`${command} failed:`, error);
      process.exitCode = 1;
    }
  });
