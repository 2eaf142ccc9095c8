import * as fc from 'fast-check';
import { TERMINAL_WIDTH, formatTable, wrapCell } from '../../src/report/table';

const width = (text: string): number => Math.max(...text.split('\n').map((l) => l.length));

describe('terminal tables', () => {
  test('a table that fits is printed as is', () => {
    expect(formatTable(['a', 'bb'], [['1', '2'], ['333', '4']])).toBe('a    bb\n---  --\n1    2\n333  4');
  });

  test('a wide table wraps its widest columns, keeping every word', () => {
    const tags = 'tag:tuist-k8s-operator-staging,tag:tuist-macmini-staging';
    const text = formatTable(['environment', 'tags'], [['staging', tags]], 40);
    expect(width(text)).toBeLessThanOrEqual(40);
    const lines = text.split('\n');
    expect(lines[0]).toBe('environment  tags');
    expect(lines.slice(2).map((l) => l.slice(13)).join('')).toBe(tags);
  });

  test('a table too wide to wrap readably becomes one record per row', () => {
    const header = ['environment', ...Array.from({ length: 9 }, (_, i) => `column ${i}`)];
    const text = formatTable(header, [['staging', ...Array.from({ length: 9 }, () => 'a value of some length')]]);
    expect(text).toMatch(/^environment staging\n {2}column 0 {2}a value of some length\n/);
    expect(width(text)).toBeLessThanOrEqual(TERMINAL_WIDTH);
  });

  test('any table fits the terminal', () => {
    const cell = fc.string({ maxLength: 150 }).map((s) => s.replace(/\n/g, ' '));
    fc.assert(fc.property(fc.integer({ min: 1, max: 8 }).chain((n) => fc.tuple(fc.array(cell, { minLength: n, maxLength: n }), fc.array(fc.array(cell, { minLength: n, maxLength: n }), { maxLength: 5 }))), ([header, rows]) => {
      expect(width(formatTable(header, rows))).toBeLessThanOrEqual(TERMINAL_WIDTH);
    }));
  });

  test('wrapping splits long words after a separator', () => {
    expect(wrapCell('dist/tailnet/tuist-staging.hujson', 16)).toEqual(['dist/tailnet/', 'tuist-staging.hu', 'json']);
  });
});
