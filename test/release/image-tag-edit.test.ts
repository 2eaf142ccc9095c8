import * as fs from 'node:fs';
import * as path from 'node:path';
import { ImageTagEditError, rewriteImageTag } from '../../src/release/image-tag-edit';
import { canary } from '../fixtures';

const CANARY = fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'config', 'environments', 'canary.ts'), 'utf8');

/** Lines that differ between two texts of equal line count. */
function changedLines(a: string, b: string): [string, string][] {
  const x = a.split('\n');
  const y = b.split('\n');
  expect(y.length).toBe(x.length);
  return x.flatMap((line, i) => (line === y[i] ? [] : [[line, y[i]!] as [string, string]]));
}

describe('rewriteImageTag', () => {
  const { processor, xcresultProcessor } = canary;
  const imageLine = (repository: string, tag: string): string => `    image: { repository: '${repository}', tag: '${tag}' },`;

  test('changes only the tag literal of the component, keeping everything else byte for byte', () => {
    const edit = rewriteImageTag(CANARY, 'canary.ts', 'canary', 'xcresultProcessor', '4.113.0');
    expect(edit.previous).toBe(xcresultProcessor.image.tag);
    expect(changedLines(CANARY, edit.text)).toEqual([[
      imageLine(xcresultProcessor.image.repository, xcresultProcessor.image.tag),
      imageLine(xcresultProcessor.image.repository, '4.113.0'),
    ]]);
  });

  test('leaves the other component with the same tag alone', () => {
    const sameTags = CANARY.replace(imageLine(xcresultProcessor.image.repository, xcresultProcessor.image.tag), imageLine(xcresultProcessor.image.repository, processor.image.tag));
    expect(sameTags).not.toBe(CANARY);
    const edit = rewriteImageTag(sameTags, 'canary.ts', 'canary', 'processor', '4.113.0');
    expect(changedLines(sameTags, edit.text)).toEqual([[
      imageLine(processor.image.repository, processor.image.tag),
      imageLine(processor.image.repository, '4.113.0'),
    ]]);
  });

  test('keeps the quote style and handles satisfies, comments and quoted keys', () => {
    const source = [
      'export const env = {',
      '  name: "env-1", // the name',
      '  "processor": { image: { repository: "r", /* pinned */ tag: "1.0.0" } },',
      '} satisfies EnvironmentConfig;',
      '',
    ].join('\n');
    expect(rewriteImageTag(source, 'env-1.ts', 'env-1', 'processor', '1.0.1').text).toBe(source.replace('"1.0.0"', '"1.0.1"'));
  });

  test('fails when the tag is not a string literal, naming the fix', () => {
    const source = "const TAG = '1.0.0';\nexport const env = { name: 'e', processor: { image: { repository: 'r', tag: TAG } } };\n";
    expect(() => rewriteImageTag(source, 'e.ts', 'e', 'processor', '1.0.1')).toThrow(ImageTagEditError);
    expect(() => rewriteImageTag(source, 'e.ts', 'e', 'processor', '1.0.1')).toThrow(/processor.image.tag is Identifier, not a string literal. Fix: write the tag as a literal/);
  });

  test('fails when the image is spread from elsewhere', () => {
    const source = "export const env = { name: 'e', processor: { ...shared } };\n";
    expect(() => rewriteImageTag(source, 'e.ts', 'e', 'processor', '1.0.1')).toThrow(/processor.image is not written as a property of an object literal/);
  });

  test('fails when the file holds no literal for the environment, or two', () => {
    const one = "export const a = { name: 'e', processor: { image: { repository: 'r', tag: '1' } } };\n";
    expect(() => rewriteImageTag(one, 'e.ts', 'other', 'processor', '2')).toThrow(/expected one top-level object literal with name: 'other', found 0/);
    expect(() => rewriteImageTag(one + one.replace('const a', 'const b'), 'e.ts', 'e', 'processor', '2')).toThrow(/found 2/);
  });

  test('fails when the tag has characters that would need escaping in source', () => {
    expect(() => rewriteImageTag(CANARY, 'canary.ts', 'canary', 'processor', "1.0.0'; process.exit(1); '")).toThrow(/has characters an image tag never has/);
  });
});
