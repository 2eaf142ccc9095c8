/**
 * Renders External Secrets Operator templates (engine v2: Go `text/template` with
 * `missingkey=error`, data a map of string values, sprig functions) for the subset our
 * ExternalSecrets use, with the same output as ESO. Anything outside the subset is refused
 * with an error rather than approximated: a renderer that guesses would prove nothing.
 *
 * Supported: text; actions `{{ … }}` holding one pipeline; operands `.key` and string
 * literals ("…" with Go's simple escapes, `…` raw); the functions below.
 */
import { queryEscape } from './query-escape';

/** What ESO passes to a template: every `spec.data[].secretKey` with its value as a string. */
export type TemplateData = Readonly<Record<string, string>>;

interface TemplateFunction {
  /** Exact number of arguments, the piped value included; absent for variadic functions. */
  readonly arity?: number;
  readonly apply: (args: readonly string[]) => string;
}

const FUNCTIONS: Readonly<Record<string, TemplateFunction>> = {
  // text/template builtin: url.QueryEscape(fmt.Sprint(args...)); Sprint concatenates strings.
  urlquery: { apply: (args) => queryEscape(args.join('')) },
  // sprig: replace OLD NEW SRC = strings.Replace(SRC, OLD, NEW, -1).
  replace: { arity: 3, apply: ([old, replacement, src]) => goReplaceAll(src!, old!, replacement!) },
};
const SUPPORTED = Object.keys(FUNCTIONS).join(', ');

/** Go's `strings.Replace(s, old, new, -1)`; an empty `old` matches before every character and at the end. */
function goReplaceAll(s: string, old: string, replacement: string): string {
  if (old === '') return replacement + Array.from(s, (char) => char + replacement).join('');
  return s.split(old).join(replacement);
}

export class TemplateError extends Error {
  constructor(
    readonly templateName: string,
    readonly line: number,
    readonly column: number,
    detail: string,
  ) {
    super(`template "${templateName}", line ${line}, column ${column}: ${detail}`);
    this.name = 'TemplateError';
  }
}

type Operand = { readonly kind: 'field'; readonly key: string; readonly at: number }
  | { readonly kind: 'string'; readonly value: string; readonly at: number };
type Token = Operand
  | { readonly kind: 'function'; readonly name: string; readonly at: number }
  | { readonly kind: 'pipe'; readonly at: number };
type Command = { readonly kind: 'operand'; readonly operand: Operand }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly Operand[]; readonly at: number };
type Node = { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'action'; readonly pipeline: readonly Command[] };

const FIX = 'ESO may accept it, but this renderer implements only the subset our templates use; ' +
  'simplify the template, or extend src/eso/template.ts with a unit test against Go\'s output.';

class Parser {
  constructor(private readonly name: string, private readonly source: string) {}

  fail(at: number, detail: string): never {
    const before = this.source.slice(0, at);
    const line = before.split('\n').length;
    throw new TemplateError(this.name, line, at - before.lastIndexOf('\n'), detail);
  }

  parse(): Node[] {
    const nodes: Node[] = [];
    let i = 0;
    while (i < this.source.length) {
      const open = this.source.indexOf('{{', i);
      if (open === -1) {
        nodes.push({ kind: 'text', text: this.source.slice(i) });
        break;
      }
      if (open > i) nodes.push({ kind: 'text', text: this.source.slice(i, open) });
      const { tokens, end } = this.lexAction(open + 2);
      nodes.push({ kind: 'action', pipeline: this.pipeline(tokens, open) });
      i = end;
    }
    return nodes;
  }

  /** Tokens of the action starting at `start` (just after `{{`), and the index after its `}}`. */
  private lexAction(start: number): { tokens: Token[]; end: number } {
    const s = this.source;
    const tokens: Token[] = [];
    if (s[start] === '-' || s.startsWith('/*', start)) {
      this.fail(start, `"{{${s.slice(start, start + 2)}" (a trim marker, comment or number) is not supported. ${FIX}`);
    }
    let i = start;
    while (i < s.length) {
      const c = s[i]!;
      if (s.startsWith('}}', i)) return { tokens, end: i + 2 };
      if (c === '-' && s.startsWith('}}', i + 1)) this.fail(i, `the trim marker "-}}" is not supported. ${FIX}`);
      if (/\s/.test(c)) {
        i += 1;
      } else if (c === '|') {
        tokens.push({ kind: 'pipe', at: i });
        i += 1;
      } else if (c === '.') {
        const key = /^[\p{L}\p{N}_]*/u.exec(s.slice(i + 1))![0];
        if (key === '') this.fail(i, `"." alone (the whole data map) is not supported; name a key, e.g. ".password". ${FIX}`);
        if (s[i + 1 + key.length] === '.') this.fail(i, `chained field ".${key}.…" is not supported: ESO's values are strings, which have no fields.`);
        tokens.push({ kind: 'field', key, at: i });
        i += 1 + key.length;
      } else if (c === '"' || c === '`') {
        const { value, end } = c === '"' ? this.quoted(i) : this.raw(i);
        tokens.push({ kind: 'string', value, at: i });
        i = end;
      } else if (/[A-Za-z_]/.test(c)) {
        const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i))![0];
        tokens.push({ kind: 'function', name, at: i });
        i += name.length;
      } else {
        this.fail(i, `unsupported syntax ${JSON.stringify(c)} in an action (variables, parentheses, numbers and keywords are not implemented). ${FIX}`);
      }
    }
    return this.fail(start - 2, 'unclosed action: "{{" has no matching "}}".');
  }

  /** A Go interpreted string literal starting at `start`, with the simple escapes only. */
  private quoted(start: number): { value: string; end: number } {
    const escapes: Readonly<Record<string, string>> = {
      a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"',
    };
    let value = '';
    for (let i = start + 1; i < this.source.length; i += 1) {
      const c = this.source[i]!;
      if (c === '"') return { value, end: i + 1 };
      if (c === '\n') break;
      if (c !== '\\') {
        value += c;
        continue;
      }
      const escaped = escapes[this.source[i + 1] ?? ''];
      if (escaped === undefined) {
        this.fail(i, `escape "\\${this.source[i + 1] ?? ''}" is not supported (supported: \\a \\b \\f \\n \\r \\t \\v \\\\ \\"); use a raw \`…\` string instead.`);
      }
      value += escaped;
      i += 1;
    }
    return this.fail(start, 'unterminated quoted string.');
  }

  private raw(start: number): { value: string; end: number } {
    const close = this.source.indexOf('`', start + 1);
    if (close === -1) this.fail(start, 'unterminated raw string.');
    return { value: this.source.slice(start + 1, close), end: close + 1 };
  }

  /** Splits the tokens at `|` into commands, checked like Go checks them. */
  private pipeline(tokens: readonly Token[], actionAt: number): Command[] {
    const groups: Exclude<Token, { kind: 'pipe' }>[][] = [[]];
    for (const token of tokens) {
      if (token.kind === 'pipe') groups.push([]);
      else groups[groups.length - 1]!.push(token);
    }
    return groups.map((group, stage) => {
      const [head, ...rest] = group;
      if (head === undefined) this.fail(actionAt, `missing command in pipeline stage ${stage + 1}.`);
      if (head.kind !== 'function') {
        if (stage > 0) this.fail(head.at, `pipeline stage ${stage + 1} is a value, not a function: only a function can take the piped value.`);
        if (rest.length > 0) this.fail(rest[0]!.at, 'a value cannot take arguments; only a function can.');
        return { kind: 'operand', operand: head };
      }
      const fn = FUNCTIONS[head.name];
      if (fn === undefined) this.fail(head.at, `function "${head.name}" is not supported (supported: ${SUPPORTED}). ${FIX}`);
      const args = rest.map((arg) => {
        if (arg.kind === 'function') this.fail(arg.at, `"${head.name}" takes .key or string arguments; a function call as an argument is not supported. ${FIX}`);
        return arg;
      });
      const count = args.length + (stage > 0 ? 1 : 0);
      if (fn.arity !== undefined && count !== fn.arity) {
        this.fail(head.at, `wrong number of args for ${head.name}: want ${fn.arity} got ${count}${stage > 0 ? ' (the piped value is the last one)' : ''}.`);
      }
      return { kind: 'call', name: head.name, args, at: head.at };
    });
  }
}

function execute(parser: Parser, nodes: readonly Node[], data: TemplateData): string {
  const value = (operand: Operand): string => {
    if (operand.kind === 'string') return operand.value;
    if (!Object.prototype.hasOwnProperty.call(data, operand.key)) {
      const keys = Object.keys(data).sort().join(', ') || 'none';
      parser.fail(operand.at, `map has no entry for key "${operand.key}" (ESO runs with missingkey=error; the data has: ${keys}). Add it to spec.data or fix the key.`);
    }
    return data[operand.key]!;
  };
  return nodes.map((node) => {
    if (node.kind === 'text') return node.text;
    let piped: string | undefined;
    for (const command of node.pipeline) {
      if (command.kind === 'operand') {
        piped = value(command.operand);
      } else {
        const args = command.args.map(value);
        if (piped !== undefined) args.push(piped);
        piped = FUNCTIONS[command.name]!.apply(args);
      }
    }
    return piped!;
  }).join('');
}

/**
 * Renders one template value (`spec.target.template.data[name]`) like ESO's engine v2.
 * Throws a TemplateError naming the template, the position and the fix for anything outside
 * the supported subset or for a key missing from `data`.
 */
export function renderTemplate(name: string, source: string, data: TemplateData): string {
  const parser = new Parser(name, source);
  return execute(parser, parser.parse(), data);
}
