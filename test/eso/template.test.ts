import { TemplateError, renderTemplate } from '../../src/eso';
import { findObject, staging, synth } from '../fixtures';

const password = 'pa ss@w:rd/x?y#z%41+é';
const render = (source: string, data: Record<string, string> = { password }): string => renderTemplate('t', source, data);

/** What libpq does with a URI's userinfo: decodes %XX, and nothing else ("+" stays "+"). */
const libpqDecode = (encoded: string): string => decodeURIComponent(encoded);

describe('renderTemplate: the processor URL templates', () => {
  const template = findObject(synth(staging), 'ExternalSecret').spec.target.template.data['xcresult-processor-database-url'];

  test('renders the synthesized VM URL with the password escaped for a URI userinfo', () => {
    expect(renderTemplate('xcresult-processor-database-url', template, { password }))
      .toBe('postgres://tuist_processor:pa%20ss%40w%3Ard%2Fx%3Fy%23z%2541%2B%C3%A9@tuist-pg-pooler-staging:5432/tuist');
  });

  test('decodes back to the password only with the replace stage (a space must not become "+")', () => {
    const withReplace = render('{{ .password | urlquery | replace "+" "%20" }}');
    const without = render('{{ .password | urlquery }}');
    expect(libpqDecode(withReplace)).toBe(password);
    expect(without).toBe('pa+ss%40w%3Ard%2Fx%3Fy%23z%2541%2B%C3%A9');
    expect(libpqDecode(without)).toBe('pa+ss@w:rd/x?y#z%41+é');
  });
});

describe('renderTemplate: the supported subset behaves like Go text/template + sprig', () => {
  test.each([
    ['plain text', 'no actions at all }} {', 'no actions at all }} {'],
    ['a field', '<{{ .password }}>', `<${password}>`],
    ['no spaces inside the action', '{{.password|urlquery}}', 'pa+ss%40w%3Ard%2Fx%3Fy%23z%2541%2B%C3%A9'],
    ['a function as the first command', '{{ urlquery .password }}', 'pa+ss%40w%3Ard%2Fx%3Fy%23z%2541%2B%C3%A9'],
    ['urlquery of several strings (fmt.Sprint concatenates them)', '{{ urlquery "a b" "/" }}', 'a+b%2F'],
    ['urlquery without arguments', '[{{ urlquery }}]', '[]'],
    ['replace with the piped value last', '{{ "a+b+c" | replace "+" "-" }}', 'a-b-c'],
    ['replace with every argument given', '{{ replace "b" "x" "abcb" }}', 'axcx'],
    ['replace of an empty string (strings.Replace matches around every rune)', '{{ "aé" | replace "" "-" }}', '-a-é-'],
    ['escapes in a quoted string', '{{ "q\\"\\\\\\t" }}', 'q"\\\t'],
    ['a raw string', '{{ `a\\n"}}` }}', 'a\\n"}}'],
    ['several actions and newlines inside an action', 'u={{ .user }}\np={{\n .password\n | urlquery }}', 'u=me\np=pa+ss%40w%3Ard%2Fx%3Fy%23z%2541%2B%C3%A9'],
  ])('renders %s', (_what, source, expected) => {
    expect(render(source, { password, user: 'me' })).toBe(expected);
  });
});

describe('renderTemplate: failures', () => {
  const failure = (source: string): TemplateError => {
    try {
      render(source);
    } catch (error) {
      if (error instanceof TemplateError) return error;
      throw error;
    }
    throw new Error(`expected ${JSON.stringify(source)} to fail`);
  };

  test('fails when a key is missing, naming it and the keys there are, never a value', () => {
    const error = failure('x{{ .passwd | urlquery }}');
    expect(error.message).toBe('template "t", line 1, column 5: map has no entry for key "passwd" (ESO runs with missingkey=error; the data has: password). Add it to spec.data or fix the key.');
    expect(error.message).not.toContain(password);
  });

  test('fails when the position is on a later line, with that line and column', () => {
    expect(failure('a\nbc {{ .password | default "x" }}')).toMatchObject({ line: 2, column: 19 });
  });

  test.each([
    ['an unsupported function', '{{ .password | default "x" }}', /function "default" is not supported \(supported: urlquery, replace\)/],
    ['a keyword', '{{ if .password }}x{{ end }}', /function "if" is not supported/],
    ['a left trim marker', '{{- .password }}', /trim marker, comment or number/],
    ['a right trim marker', '{{ .password -}}', /trim marker "-}}" is not supported/],
    ['a comment', '{{/* c */}}', /trim marker, comment or number/],
    ['a variable', '{{ $x := .password }}', /unsupported syntax "\$"/],
    ['parentheses', '{{ urlquery (.password) }}', /unsupported syntax "\("/],
    ['the dot alone', '{{ . }}', /"\." alone/],
    ['a chained field', '{{ .password.inner }}', /chained field/],
    ['a value as a later pipeline stage', '{{ .password | .password }}', /stage 2 is a value/],
    ['a value with arguments', '{{ .password "x" }}', /a value cannot take arguments/],
    ['a function call as an argument', '{{ replace urlquery "a" .password }}', /function call as an argument/],
    ['replace with too few arguments', '{{ .password | replace "+" }}', /wrong number of args for replace: want 3 got 2 \(the piped value is the last one\)/],
    ['replace with too many arguments', '{{ replace "a" "b" "c" "d" }}', /want 3 got 4\./],
    ['an empty pipeline stage', '{{ .password | }}', /missing command in pipeline stage 2/],
    ['an empty action', 'a{{ }}', /column 2: missing command in pipeline stage 1/],
    ['an unclosed action', 'a {{ .password', /column 3: unclosed action/],
    ['an unterminated string', '{{ "abc }}', /unterminated quoted string/],
    ['an unterminated raw string', '{{ `abc }}', /unterminated raw string/],
    ['an unsupported escape', '{{ "\\x41" }}', /escape "\\x" is not supported/],
  ])('fails when the template has %s', (_what, source, message) => {
    expect(failure(source).message).toMatch(message);
  });
});
