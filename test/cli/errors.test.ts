import * as fs from 'node:fs';
import * as path from 'node:path';
import { environmentFile } from '../../src/config/registry';
import { readTree } from '../../src/synth/output-tree';
import { ENVIRONMENTS } from '../fixtures';
import { copyRepository, runCli } from './repo-copy';

/** Bad input through scripts/run.js, as a person meets it: a few lines, the location, no stack. */
describe('user errors on the command line', () => {
  const name = ENVIRONMENTS[0]!.name;
  const file = environmentFile(name);
  let root: string;
  let staging: string;
  let original: string;
  beforeAll(() => {
    root = copyRepository('cli-errors-');
    staging = path.join(root, file);
    original = fs.readFileSync(staging, 'utf8');
  });
  afterEach(() => fs.writeFileSync(staging, original));

  const noStack = (lines: readonly string[]) => expect(lines.filter((l) => /^\s+at /.test(l))).toEqual([]);

  test('fails on a syntax error in an environment file with its file:line:column, in three lines', () => {
    const literal = `name: '${name}',`;
    fs.writeFileSync(staging, original.replace(literal, `${literal},`));
    const result = runCli(root, ['synth']);
    expect(result.status).toBe(1);
    const lines = original.split('\n');
    const line = lines.findIndex((l) => l.includes(literal));
    expect(result.lines).toEqual([
      'synth: the TypeScript does not compile:',
      `${file}:${line + 1}:${lines[line]!.indexOf(literal) + literal.length + 1}: Expected identifier but found ","`,
      `    ${literal},`,
    ]);
  });

  test('fails on a value that does not evaluate (missing quotes) with its file:line:column, in one line', () => {
    // The namespace without its quotes (and with underscores, so that it parses) names nothing.
    const namespace = /namespace: '([^']+)'/.exec(original)![1]!;
    fs.writeFileSync(staging, original.replace(`namespace: '${namespace}'`, `namespace: ${namespace.replace(/\W/g, '_')}`));
    const result = runCli(root, ['synth']);
    expect(result.status).toBe(1);
    expect(result.lines).toEqual([expect.stringMatching(/^synth: src\/config\/environments\/\S+\.ts:\d+:\d+: ReferenceError: \S+ is not defined \(the file does not evaluate; is a value missing its quotes\?\)$/)]);
  });

  test('fails on an unknown field with the file and field path, and writes nothing', () => {
    fs.writeFileSync(staging, original.replace(/( *)poolMode: /, '$1poolSize: 50,\n$1poolMode: '));
    const before = readTree(path.join(root, 'dist'));
    const result = runCli(root, ['synth']);
    expect(result.status).toBe(1);
    expect(result.lines).toEqual([
      `synth: Invalid configuration for environment(s) ${name} (1 problem(s)) in ${file}:`,
      expect.stringMatching(new RegExp(`^ {2}- environment "${name}", pooler\\.poolSize: unknown field "poolSize" \\(value 50\\)`)),
    ]);
    expect(readTree(path.join(root, 'dist'))).toEqual(before);
  });

  test('--verbose and TUIST_DEBUG=1 add the stack trace', () => {
    fs.writeFileSync(staging, original.replace(/( *)poolMode: /, '$1poolSize: 50,\n$1poolMode: '));
    for (const result of [runCli(root, ['synth', '--verbose']), runCli(root, ['synth'], { TUIST_DEBUG: '1' })]) {
      expect(result.status).toBe(1);
      expect(result.lines.some((l) => /^\s+at /.test(l))).toBe(true);
    }
  });

  test('fails when --live-policy names a missing file: exit 2, one line and the usage-free fix', () => {
    const result = runCli(root, ['preview-offline', '--env', 'canary', '--live-policy', '/nonexistent/tuist.hujson']);
    expect(result.status).toBe(2);
    expect(result.lines).toEqual([expect.stringMatching(/^preview-offline: --live-policy \/nonexistent\/tuist\.hujson: no such file/)]);
  });

  test('fails when diff --out points into a missing folder: exit 2, before rendering', () => {
    const result = runCli(root, ['diff', '--base', 'HEAD', '--out', '/nonexistent/folder/diff.md']);
    expect(result.status).toBe(2);
    expect(result.lines).toEqual([expect.stringMatching(/^diff: --out \/nonexistent\/folder\/diff\.md: the folder \/nonexistent\/folder does not exist/)]);
  });

  test('fails on an unknown option: exit 2, the problem and the usage line', () => {
    const result = runCli(root, ['synth', '--bogus']);
    expect(result.status).toBe(2);
    expect(result.lines).toEqual([expect.stringMatching(/^synth: Unknown option '--bogus'/), expect.stringMatching(/^usage: npm run synth -- .*\(--help for every option\)$/)]);
    noStack(result.lines);
  });
});
