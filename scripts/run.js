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
const { formatMessages, reportFailure } = require('./report-failure');
try {
const { warnings } = require('esbuild').buildSync({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'silent',
});
if (warnings.length > 0) console.error(`${command}: warning:\n${formatMessages(warnings, root)}`);
} catch (error) {
  process.exit(reportFailure(command, error, args, root));
}
process.setSourceMapsEnabled(true);

// User errors (scripts/report-failure.js) print their message only; a bug prints its stack.
Promise.resolve()
  .then(() => require(outfile).main(args))
  .then((code) => { process.exitCode = code; })
  .catch((error) => { process.exitCode = reportFailure(command, error, args, root); });
