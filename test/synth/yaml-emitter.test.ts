import fc from 'fast-check';
import { stringify } from 'yaml';
import { ENVIRONMENTS } from '../../src/config/environments';
import { synthesizeEnvironment } from '../../src/synth/manifests';
import { renderYaml } from '../../src/synth/render';
import { YAML_OPTIONS, emitYaml } from '../../src/synth/yaml-emitter';

const library = (value: unknown): string => stringify(value, YAML_OPTIONS);

/** Pieces the library escapes, block-quotes or places by context: the emitter hands these back. */
const HANDED_BACK = ['\n', '\t', '\r', '\x00', '\x7f', '\x85', '\u2028', '\ud800', '---', '...', '%YAML'];
/** Pieces that sit on the edges of YAML's plain-scalar and type-resolution rules. */
const TRICKY = [
  '', ' ', '-', '- ', '?', '? ', ':', ': ', '#', ' #', '"', "'", '\\', '\u00a0', '\ufeff', '😀', '-- ', '.. ', '%',
  'true', 'True', 'FALSE', 'yes', 'no', 'on', 'null', 'Null', '~', '0', '-1', '+1', '007', '0o17', '0x1F', '1.0', '.5', '1e3', '-2.5E-3', '.inf', '-.Inf', '.nan', '1_000',
  '{', '}', '[', ']', ',', '|', '>', '&a', '*a', '!tag', '@', '`', '=', 'tailscale.com/expose', 'a: b', 'x #y', '{{ .password | urlquery }}',
];
const word = fc.oneof(
  { arbitrary: fc.constantFrom(...TRICKY), weight: 6 },
  { arbitrary: fc.stringMatching(/^[a-z0-9.\/-]{1,12}$/), weight: 4 },
  { arbitrary: fc.string({ maxLength: 6 }), weight: 2 },
  { arbitrary: fc.constantFrom(...HANDED_BACK), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 4 }), weight: 1 },
);
const text = fc.array(word, { maxLength: 4 }).map((parts) => parts.join(''));
const scalar = fc.oneof(
  { arbitrary: text, weight: 8 },
  { arbitrary: fc.integer(), weight: 2 },
  { arbitrary: fc.double(), weight: 2 },
  { arbitrary: fc.boolean(), weight: 1 },
  { arbitrary: fc.constant(null), weight: 1 },
  { arbitrary: fc.constant(undefined), weight: 1 },
);
const value = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, scalar, tie('list'), tie('map')),
  list: fc.array(tie('node'), { maxLength: 4 }),
  map: fc.dictionary(text, tie('node'), { maxKeys: 4 }),
})).node;

describe('the YAML emitter', () => {
  test('prints what the yaml library prints, for any JSON-like value', () => {
    fc.assert(fc.property(value, (v) => {
      expect(renderYaml(v)).toBe(library(v));
    }), {
      numRuns: 1000,
      // Found by this property: a line separator before a document marker (the library's
      // multiline regex quotes it), so U+2028/U+2029 go to the library.
      examples: [[{ '\u2028...a': {} }], [[{ '  \u2028...a': {} }]], [{ '\u2029---': 'x' }]],
    });
  });

  test('covers maps and lists of one-line strings, finite numbers, booleans and null itself (no fallback)', () => {
    const simple = fc.stringMatching(/^[ -~]{0,16}$/).filter((s) => !/^(%|---|\.\.\.)/.test(s));
    const simpleScalar = fc.oneof(simple, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)), fc.boolean(), fc.constant(null));
    const simpleValue = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, simpleScalar, tie('list'), tie('map')),
      list: fc.array(tie('node'), { maxLength: 4 }),
      map: fc.dictionary(simple, tie('node'), { maxKeys: 4 }),
    })).node;
    fc.assert(fc.property(fc.dictionary(simple, simpleValue, { minKeys: 1, maxKeys: 4 }), (v) => {
      expect(emitYaml(v)).toBe(library(v));
    }), { numRuns: 500 });
  });

  test('hands back what it does not cover, so the library prints it', () => {
    for (const v of [{ a: 'two\nlines' }, { a: undefined }, { a: Number.NaN }, { a: -0 }, { a: new Date(0) }, { a: new Map() }, { ['k'.repeat(1025)]: 1 }, { a: '--- x' }, {}, [], 'scalar']) {
      expect(emitYaml(v)).toBeUndefined();
      expect(renderYaml(v)).toBe(library(v));
    }
  });

  test('renders every synthesized object as the library does', () => {
    for (const environment of ENVIRONMENTS) {
      for (const object of synthesizeEnvironment(environment).objects) expect(renderYaml(object)).toBe(library(object));
    }
  });
});
