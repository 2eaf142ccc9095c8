import { isPlainJson } from '../../src/build-cache';

describe('isPlainJson (what may stand for itself as JSON text)', () => {
  test('holds for plain values, nested, and objects without a prototype', () => {
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    for (const value of [null, true, 0, -1.5, '', 'x', [], {}, [[1, 'a'], { b: [null] }], { a: { b: { c: [1, 2, 3] } } }, bare]) expect(isPlainJson(value)).toBe(true);
  });

  test('fails for every value JSON would drop, change or hide', () => {
    const sparse = [1, , 3]; // eslint-disable-line no-sparse-arrays
    const inherited = Object.assign(Object.create({ poolSize: 50 }) as object, { name: 'staging' });
    const withGetter = Object.defineProperty({}, 'a', { get: () => 1, enumerable: true });
    const hidden = Object.defineProperty({}, 'a', { value: 1, enumerable: false });
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const cases: Record<string, unknown> = {
      'an undefined field': { a: undefined },
      'undefined in a list': [undefined],
      'a function': { f: () => 1 },
      'a symbol': Symbol('s'),
      'a symbol key': { [Symbol('s')]: 1 },
      'a bigint': 1n,
      'NaN': Number.NaN,
      'Infinity': Number.POSITIVE_INFINITY,
      'a hole in a list': sparse,
      'an inherited property': inherited,
      'a boxed string': new String('staging'), // eslint-disable-line no-new-wrappers
      'a Date': new Date(0),
      'a getter': withGetter,
      'a hidden field': hidden,
      'a cycle': cyclic,
      'undefined': undefined,
    };
    for (const [what, value] of Object.entries(cases)) expect([what, isPlainJson(value)]).toEqual([what, false]);
    expect(isPlainJson({ nested: { deeper: [{ ok: 1 }, { bad: undefined }] } })).toBe(false);
  });

  test('a value reached twice without a cycle is still plain', () => {
    const shared = { a: 1 };
    expect(isPlainJson({ x: shared, y: [shared, shared] })).toBe(true);
  });
});
