/** Most checks judge one environment at a time; this turns such a judgement into a Check. */
import type { EnvironmentConfig } from '../config/types';
import type { KubeObject } from '../synth/manifests';
import type { Check, CheckInput, CheckStatus, PathInput } from './types';

export interface EnvironmentCheckContext<I extends PathInput = CheckInput> {
  readonly environment: EnvironmentConfig;
  readonly objects: readonly KubeObject[];
  readonly input: I;
}

export interface Outcome {
  readonly status: CheckStatus;
  readonly message: string;
  readonly fix?: string;
}

/** One thing wrong, and how to mend it. */
export interface Problem {
  readonly message: string;
  readonly fix: string;
}

export const pass = (message: string): Outcome => ({ status: 'pass', message });
export const fail = (message: string, fix: string): Outcome => ({ status: 'fail', message, fix });
export const skip = (message: string, fix?: string): Outcome => ({ status: 'skip', message, ...(fix !== undefined && { fix }) });
export const assumed = (message: string, fix: string): Outcome => ({ status: 'assumed', message, fix });
export const failWith = (problem: Problem): Outcome => fail(problem.message, problem.fix);

/** Every problem in one failure (so one run shows everything to mend), or a pass. */
export function fromProblems(problems: readonly Problem[], passMessage: string): Outcome {
  if (problems.length === 0) return pass(passMessage);
  return fail(problems.map((p) => p.message).join(' '), [...new Set(problems.map((p) => p.fix))].join(' '));
}

export function environmentCheck<I extends PathInput = CheckInput>(
  id: string,
  title: string,
  evaluate: (context: EnvironmentCheckContext<I>) => Outcome,
): Check<I> {
  return {
    id,
    title,
    run: (input) => input.environments.map(({ environment, objects }) => ({
      check: id,
      environment: environment.name,
      ...evaluate({ environment, objects, input }),
    })),
  };
}
