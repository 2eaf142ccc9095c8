/**
 * How scripts/run.js reports a command that failed, in plain JavaScript because it also runs
 * when the TypeScript did not build (a syntax error in an environment file).
 * - A build error: one line per error, `file:line:column: message`, no stack (exit 1).
 * - An error thrown by a configuration file as it loads (src/config/…): its location (exit 1).
 * - A user error (src/errors/user-error.ts: `userFacing`): `<command>: <message>`, its exit code.
 * - Anything else is a bug: the stack trace (exit 1).
 * `--verbose` or TUIST_DEBUG=1 adds the stack trace to the first two.
 */
'use strict';
const path = require('node:path');

function wantsTrace(args) {
  const debug = process.env.TUIST_DEBUG;
  return args.includes('--verbose') || (debug !== undefined && debug !== '' && debug !== '0');
}

/** esbuild's BuildFailure → lines `src/config/environments/staging.ts:4:19: Expected identifier but found ","`; undefined when not one. */
function formatBuildFailure(error, root) {
  if (!error || !Array.isArray(error.errors) || error.errors.length === 0) return undefined;
  return formatMessages(error.errors, root);
}

/** esbuild messages (errors or warnings), one located line each (the first five). */
function formatMessages(messages, root) {
  const shown = messages.slice(0, 5).map((m) => {
    const where = m.location ? `${path.relative(root, path.resolve(root, m.location.file))}:${m.location.line}:${m.location.column + 1}: ` : '';
    const line = m.location && m.location.lineText ? `\n    ${m.location.lineText.trim()}` : '';
    return `${where}${m.text}${line}`;
  });
  const more = messages.length > shown.length ? [`… and ${messages.length - shown.length} more`] : [];
  return [...shown, ...more].join('\n');
}

/**
 * An error thrown while a configuration file itself evaluates (an unquoted value is a
 * ReferenceError there): `src/config/environments/staging.ts:44:54: ReferenceError: …`, or
 * undefined when the error comes from elsewhere.
 */
function formatConfigurationFailure(error, root) {
  if (!(error instanceof Error) || typeof error.stack !== 'string') return undefined;
  const frame = /\n\s+at (?:.*? \()?(.+?):(\d+):(\d+)\)?\n/.exec(`${error.stack}\n`);
  if (frame === null) return undefined;
  const file = path.relative(root, frame[1]);
  if (!file.startsWith(path.join('src', 'config') + path.sep)) return undefined;
  return `${file}:${frame[2]}:${frame[3]}: ${error.name}: ${error.message} (the file does not evaluate; is a value missing its quotes?)`;
}

/** Prints the failure of `command` and returns the exit code. */
function reportFailure(command, error, args, root) {
  const trace = wantsTrace(args);
  const built = formatBuildFailure(error, root);
  if (built !== undefined) {
    console.error(`${command}: the TypeScript does not compile:\n${built}`);
    if (trace) console.error(error.stack);
    return 1;
  }
  const configuration = error && error.userFacing === true ? undefined : formatConfigurationFailure(error, root);
  if (configuration !== undefined) {
    console.error(`${command}: ${configuration}`);
    if (trace) console.error(error.stack);
    return 1;
  }
  if (error && error.userFacing === true) {
    console.error(`${command}: ${error.message}`);
    if (trace) console.error(error.stack);
    return typeof error.exitCode === 'number' ? error.exitCode : 1;
  }
  console.error(`${command} failed (a bug; please report it with this trace):`, error);
  return 1;
}

module.exports = { reportFailure, formatBuildFailure, formatConfigurationFailure, formatMessages, wantsTrace };
