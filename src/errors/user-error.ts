/**
 * The one way to recognise a user error (bad configuration, bad arguments, a missing input
 * file): the CLI prints its message alone, in one or a few lines, and exits with `exitCode`;
 * anything else is a bug and prints its stack. `--verbose` or TUIST_DEBUG=1 prints the stack
 * of a user error too.
 *
 * Recognised by a property rather than `instanceof`: each command is bundled on its own
 * (scripts/run.js), and a child process or a second bundle has its own copy of this class.
 */
export class UserError extends Error {
  /** The brand scripts/run.js and `isUserError` read. */
  readonly userFacing = true;

  constructor(message: string, readonly exitCode: number = 1) {
    super(message);
    this.name = new.target.name;
  }
}

/** A bad command line: unknown option, missing or malformed value, a path that does not exist. */
export class UsageError extends UserError {
  constructor(message: string) {
    super(message, 2);
  }
}

export function isUserError(error: unknown): error is Error & { readonly userFacing: true; readonly exitCode?: number } {
  return error instanceof Error && (error as { userFacing?: unknown }).userFacing === true;
}
