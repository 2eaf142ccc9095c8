/**
 * `node scripts/run.js derive-crds` (run by `npm run import`): writes the CRD data the checks
 * and tests need into imports/crd-schemas/ (src/checks/schema/derive-crds.ts); `--check` exits 1
 * when the committed files differ from the CRDs cdk8s.yaml imports.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../build-cache';
import { DERIVED_CRDS_DIR, deriveAll } from '../checks/schema/derive-crds';
import type { CliContext } from './context';
import { defaultContext } from './context';
import { defineCommand, parseCommandLine } from './support/command';

/** Files below `dir` (relative paths), or none when it is absent. */
function existing(dir: string, relative = ''): string[] {
  if (!fs.existsSync(path.join(dir, relative))) return [];
  return fs.readdirSync(path.join(dir, relative), { withFileTypes: true }).flatMap((e) => {
    const child = relative === '' ? e.name : `${relative}/${e.name}`;
    return e.isDirectory() ? existing(dir, child) : [child];
  });
}

export const COMMAND = defineCommand({
  name: 'derive-crds',
  usage: 'node scripts/run.js derive-crds [--check]',
  description: `Writes the CRD data the checks and tests need into ${DERIVED_CRDS_DIR}/ from the CRDs cdk8s.yaml imports (run by \`npm run import\`); generated, never edited.`,
  options: {
    check: { type: 'boolean', default: false, description: 'write nothing; fail when the committed files differ' },
  },
  exitCodes: { 0: 'written (or, with --check, up to date)', 1: 'with --check, stale files', 2: 'usage error' },
});

export function main(argv: readonly string[], context: CliContext = defaultContext(), root: string = repoRoot()): number {
  const line = parseCommandLine(COMMAND, argv, context);
  if (line === undefined) return 0;
  const { values } = line;
  const derived = deriveAll(root);
  const dir = path.join(root, DERIVED_CRDS_DIR);
  const stale = [
    ...[...derived].filter(([file, text]) => !fs.existsSync(path.join(dir, file)) || fs.readFileSync(path.join(dir, file), 'utf8') !== text).map(([file]) => file),
    ...existing(dir).filter((file) => !derived.has(file)),
  ].sort();
  if (values.check) {
    if (stale.length === 0) {
      context.stdout(`${DERIVED_CRDS_DIR} is up to date (${derived.size} files).`);
      return 0;
    }
    context.stderr(`${DERIVED_CRDS_DIR} is stale: ${stale.join(', ')}. Run \`npm run import\` and commit the result.`);
    return 1;
  }
  for (const file of existing(dir).filter((f) => !derived.has(f))) fs.rmSync(path.join(dir, file));
  for (const [file, text] of derived) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    const temporary = path.join(dir, `${file}.${process.pid}.tmp`);
    fs.writeFileSync(temporary, text);
    fs.renameSync(temporary, path.join(dir, file));
  }
  context.stdout(`Wrote ${derived.size} files to ${DERIVED_CRDS_DIR} (${stale.length} changed).`);
  return 0;
}
