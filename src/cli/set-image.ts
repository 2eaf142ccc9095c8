/**
 * `npm run set-image -- --env <env> --component <processor|xcresult-processor> --tag <tag>`:
 * pins a released image tag in src/config/environments/<env>.ts (only that string literal
 * changes) and re-synthesizes dist/ with the edited file, in a fresh process because this one
 * has already loaded the old configuration. A refused tag writes nothing; a failed synthesis
 * restores the file.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { repoRoot } from '../build-cache';
import { ImageTagEditError } from '../release/image-tag-edit';
import { RELEASABLE_COMPONENTS, type SetImageResult, isReleasableComponent, setImage } from '../release/set-image';
import type { CliContext } from './context';
import { defaultContext } from './context';
import { defineCommand, parseCommandLine } from './support/command';

export const COMMAND = defineCommand({
  name: 'set-image',
  usage: 'npm run set-image -- --env <environment> --component <component> --tag <tag>',
  description: "Releases an image: pins the tag in src/config/environments/<environment>.ts (only that string literal changes) and re-synthesizes dist/. The tag must pass the environment's rules (never floating; semver or a digest for canary and production); a refused tag writes nothing, a failed synthesis restores the file.",
  options: {
    env: { type: 'string', value: '<environment>', description: 'the environment to release to' },
    component: { type: 'string', value: '<component>', description: `the image to pin: ${Object.keys(RELEASABLE_COMPONENTS).join(' or ')}` },
    tag: { type: 'string', value: '<tag>', description: 'the released tag, e.g. 4.113.0, or an sha256: digest' },
  },
  exitCodes: {
    0: 'pinned (or already pinned)',
    1: 'tag refused, file not editable, or synthesis failed (the file is restored)',
    2: 'usage error',
  },
});

export interface SetImageContext extends CliContext {
  /** Repository root; the environment files are below it. */
  readonly root: string;
  /** Re-synthesizes dist/ from the files on disk; returns the exit code. */
  readonly synthesize: () => number;
}

/** `node scripts/run.js synth` in `root`: a new process that loads the edited configuration. */
export function synthesizeInNewProcess(root: string): number {
  const result = spawnSync(process.execPath, [path.join('scripts', 'run.js'), 'synth'], { cwd: root, stdio: 'inherit' });
  return result.status ?? 1;
}

function defaultSetImageContext(): SetImageContext {
  const root = repoRoot();
  return { ...defaultContext(), root, synthesize: () => synthesizeInNewProcess(root) };
}

export function main(argv: readonly string[], context: SetImageContext = defaultSetImageContext()): number {
  const line = parseCommandLine(COMMAND, argv, context);
  if (line === undefined) return 0;
  const { values } = line;
  const components = Object.keys(RELEASABLE_COMPONENTS);
  const names = context.environments.map((e) => e.name);
  const usage = (problem: string): number => {
    context.stderr(`set-image: ${problem}\nusage: npm run set-image -- --env <${names.join('|')}> --component <${components.join('|')}> --tag <tag>`);
    return 2;
  };
  const environment = context.environments.find((e) => e.name === values.env);
  if (environment === undefined) return usage(`--env must name an environment (${names.join(', ')}); got ${JSON.stringify(values.env ?? null)}.`);
  if (values.component === undefined || !isReleasableComponent(values.component)) {
    return usage(`--component must be one of ${components.join(', ')}; got ${JSON.stringify(values.component ?? null)}.`);
  }
  if (values.tag === undefined) return usage('--tag is required, e.g. --tag 4.113.0.');

  const component = values.component;
  let result: SetImageResult;
  try {
    result = setImage({ root: context.root, environment, tailnets: context.tailnets, component, tag: values.tag, synthesize: context.synthesize });
  } catch (error) {
    if (!(error instanceof ImageTagEditError)) throw error;
    context.stderr(`set-image: ${error.message}`);
    return 1;
  }
  switch (result.outcome) {
    case 'refused':
      context.stderr(`set-image: refused; nothing was written.\n${result.problems.map((p) => `  - ${p}`).join('\n')}`);
      return 1;
    case 'unchanged':
      context.stdout(`set-image: ${environment.name} ${component} is already pinned to ${values.tag} in ${result.file}; nothing to do.`);
      return 0;
    case 'synth-failed':
      context.stderr(`set-image: synthesis failed (exit ${result.exitCode}) with the new tag; ${result.file} was restored and dist/ left as it was. Fix what synth reports above, then retry.`);
      return 1;
    case 'pinned':
      context.stdout(
        `set-image: pinned ${environment.name} ${component} to ${values.tag} (was ${result.previous}) in ${result.file}, and re-synthesized dist/.\n` +
        `Review and commit both: git add ${result.file} dist/ && git commit -m "release(${environment.name}): ${component} ${values.tag}"`,
      );
      return 0;
  }
}
