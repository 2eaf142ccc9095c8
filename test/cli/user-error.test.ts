import { ConfigError } from '../../src/config/load';
import { DiffInputError } from '../../src/diff/base-tree';
import { UsageError, UserError, isUserError } from '../../src/errors/user-error';
import { PolicyWriteError } from '../../src/pulumi/policy-writer';
import { ImageTagEditError } from '../../src/release/image-tag-edit';
import { PolicyError } from '../../src/tailnet/verify';

const { reportFailure } = require('../../scripts/report-failure');

describe('user errors: one class, one way to recognise them', () => {
  test.each([
    ['ConfigError', new ConfigError([{ environment: 'staging', path: 'name', message: 'bad.' }]), 1],
    ['DiffInputError', new DiffInputError('--base "x" names no commit.'), 1],
    ['ImageTagEditError', new ImageTagEditError('not a literal.'), 1],
    ['PolicyError', new PolicyError([], []), 1],
    ['PolicyWriteError', new PolicyWriteError('refused.'), 1],
    ['UsageError', new UsageError('Unknown option.'), 2],
  ] as const)('%s is a user error with its exit code', (name, error, exitCode) => {
    expect(error).toBeInstanceOf(UserError);
    expect(isUserError(error)).toBe(true);
    expect([error.name, error.exitCode]).toEqual([name, exitCode]);
  });

  test('anything else is not: a bug prints its stack', () => {
    expect(isUserError(new TypeError('x is undefined'))).toBe(false);
    expect(isUserError({ userFacing: true, message: 'not an Error' })).toBe(false);
  });

  test('the CLI prints a user error as one line with its exit code, and a bug with its stack', () => {
    const printed: string[] = [];
    // As console.error prints: an Error argument with its stack.
    const spy = jest.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => { printed.push(parts.map((p) => (p instanceof Error ? p.stack : String(p))).join(' ')); });
    try {
      expect(reportFailure('synth', new UsageError('Unknown option \'--x\'.'), [], '/')).toBe(2);
      expect(printed).toEqual(['synth: Unknown option \'--x\'.']);
      printed.length = 0;
      expect(reportFailure('synth', new UsageError('Unknown option.'), ['--verbose'], '/')).toBe(2);
      expect(printed[1]).toMatch(/^UsageError: Unknown option\.\n\s+at /);
      printed.length = 0;
      expect(reportFailure('synth', new TypeError('boom'), [], '/')).toBe(1);
      expect(printed[0]).toMatch(/^synth failed \(a bug; please report it with this trace\): TypeError: boom\n\s+at /);
    } finally {
      spy.mockRestore();
    }
  });
});
