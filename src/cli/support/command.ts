/**
 * What every command shares: its command line (Node's `util.parseArgs`, strict), `--help`
 * (usage line, options, exit codes) and `--verbose`. A command declares a `CommandSpec`;
 * `parseCommandLine` turns a bad command line into a UsageError (one line and the usage,
 * exit 2), and prints the help when asked.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../../errors/user-error';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly default?: string | boolean;
  readonly multiple?: boolean;
  /** The value's placeholder in the help, e.g. `<git-ref>`. */
  readonly value?: string;
  readonly description: string;
}

export interface CommandSpec<O extends Readonly<Record<string, OptionSpec>> = Readonly<Record<string, OptionSpec>>> {
  /** The command's name (`scripts/run.js <name>`), first word of its messages. */
  readonly name: string;
  /** How people run it, e.g. `npm run diff -- --base <git-ref> [options]`. */
  readonly usage: string;
  /** What it does, in a sentence or two. */
  readonly description: string;
  readonly options: O;
  /** Positional arguments, as the help describes them; absent when the command takes none. */
  readonly positionals?: string;
  /** Every exit code and what it means. */
  readonly exitCodes: Readonly<Record<number, string>>;
}

/** Options every command has. */
export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h', default: false, description: 'print this help and exit' },
  verbose: { type: 'boolean', default: false, description: 'print everything, and the stack trace of an error (or TUIST_DEBUG=1)' },
} as const satisfies Record<string, OptionSpec>;

/** A command spec, with its option types kept for `parseCommandLine`. */
export function defineCommand<const O extends Readonly<Record<string, OptionSpec>>>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}

const HELP_WIDTH = 100;

/** `--help`: usage line, description, options, exit codes; every line within 100 columns. */
export function formatHelp(spec: CommandSpec): string {
  const options = Object.entries({ ...spec.options, ...COMMON_OPTIONS }).map(([name, o]: [string, OptionSpec]) => {
    const flag = `${o.short === undefined ? '' : `-${o.short}, `}--${name}${o.type === 'string' ? ` ${o.value ?? '<value>'}` : ''}`;
    const fallback = o.type === 'string' && o.default !== undefined ? ` (default: ${o.default})` : '';
    return [flag, `${o.description}${fallback}`] as const;
  });
  const width = Math.min(28, Math.max(...options.map(([flag]) => flag.length)));
  const rows = options.map(([flag, text]) => {
    const pad = flag.length > width ? `\n${' '.repeat(width + 4)}` : ' '.repeat(width - flag.length + 2);
    return `  ${flag}${pad}${wrap(text, HELP_WIDTH - width - 4).join(`\n${' '.repeat(width + 4)}`)}`;
  });
  const codes = Object.entries(spec.exitCodes).map(([code, meaning]) => `  ${code}  ${wrap(meaning, HELP_WIDTH - 5).join('\n     ')}`);
  return [
    `usage: ${spec.usage}`,
    '',
    ...wrap(spec.description, HELP_WIDTH),
    ...(spec.positionals === undefined ? [] : ['', 'arguments:', ...wrap(spec.positionals, HELP_WIDTH - 2).map((l) => `  ${l}`)]),
    '',
    'options:',
    ...rows,
    '',
    'exit codes:',
    ...codes,
  ].join('\n');
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(' ')) {
      if (line !== '' && line.length + 1 + word.length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line === '' ? word : `${line} ${word}`;
      }
    }
    lines.push(line);
  }
  return lines;
}

export interface CommandOutput {
  readonly stdout: (text: string) => void;
}

/**
 * Parses `argv` by the spec (plus --help and --verbose). Prints the help and returns
 * undefined when --help is given; throws a UsageError naming the problem and the usage line
 * for an unknown option or a missing value.
 */
export function parseCommandLine<const O extends Readonly<Record<string, OptionSpec>>>(spec: CommandSpec<O>, argv: readonly string[], output: CommandOutput) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { ...spec.options, ...COMMON_OPTIONS }, strict: true, allowPositionals: spec.positionals !== undefined });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) throw usageError(spec, (error as Error).message);
    throw error;
  }
  if ((parsed.values as { help?: unknown }).help === true) {
    output.stdout(formatHelp(spec));
    return undefined;
  }
  return parsed;
}

/** A UsageError for `spec`: the problem, then the usage line and where the rest is. */
export function usageError(spec: CommandSpec, problem: string): UsageError {
  return new UsageError(`${problem}\nusage: ${spec.usage} (--help for every option)`);
}
