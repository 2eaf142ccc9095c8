import { queryEscape } from '../../src/eso';

describe('queryEscape', () => {
  // Inputs and outputs from Go's own tests of url.QueryEscape (net/url/url_test.go:
  // TestQueryEscape, the older table's punctuation row, and BenchmarkQueryEscape's inputs).
  test.each([
    ['', ''],
    ['abc', 'abc'],
    ['one two', 'one+two'],
    ['10%', '10%25'],
    ['a&b=c', 'a%26b%3Dc'],
    [' ?&=#+%!<>#"{}|\\^[]`☺\t:/@$\'()*,;',
      '+%3F%26%3D%23%2B%25%21%3C%3E%23%22%7B%7D%7C%5C%5E%5B%5D%60%E2%98%BA%09%3A%2F%40%24%27%28%29%2A%2C%3B'],
    ['Фотки собак', '%D0%A4%D0%BE%D1%82%D0%BA%D0%B8+%D1%81%D0%BE%D0%B1%D0%B0%D0%BA'],
    ['shortrun(break)shortrun', 'shortrun%28break%29shortrun'],
  ])('escapes %j like Go: %j', (input, expected) => {
    expect(queryEscape(input)).toBe(expected);
  });

  test('keeps exactly the unreserved characters', () => {
    const unreserved = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~';
    expect(queryEscape(unreserved)).toBe(unreserved);
    for (let code = 0; code < 0x80; code += 1) {
      const char = String.fromCharCode(code);
      if (unreserved.includes(char) || char === ' ') continue;
      expect(queryEscape(char)).toBe(`%${code.toString(16).toUpperCase().padStart(2, '0')}`);
    }
  });

  test('escapes each UTF-8 byte of characters outside the BMP', () => {
    expect(queryEscape('😀')).toBe('%F0%9F%98%80');
  });

  test('fails when the value has a lone surrogate, naming its index', () => {
    expect(() => queryEscape('ab\uD800c')).toThrow(/lone UTF-16 surrogate at index 2/);
  });
});
