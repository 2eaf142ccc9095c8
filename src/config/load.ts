import { ENVIRONMENTS } from './environments';
import { TAILNETS, type TailnetConfig } from './tailnets';
import type { EnvironmentConfig } from './types';
import { type ConfigProblem, formatProblem, validateEnvironments } from './validate';

/** Thrown when configuration is invalid; carries every problem found. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    const environments = [...new Set(problems.map((p) => p.environment))].join(', ');
    super(
      `Invalid configuration for environment(s) ${environments} (${problems.length} problem(s)):\n` +
      problems.map((p) => `  - ${formatProblem(p)}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** The validated model everything is built from. */
export interface Model {
  readonly environments: readonly EnvironmentConfig[];
  readonly tailnets: readonly TailnetConfig[];
}

/** Validates the given (by default: the committed) configuration; throws a ConfigError listing every problem. */
export function loadModel(
  environments: readonly EnvironmentConfig[] = ENVIRONMENTS,
  tailnets: readonly TailnetConfig[] = TAILNETS,
): Model {
  const problems = validateEnvironments(environments, tailnets);
  if (problems.length > 0) throw new ConfigError(problems);
  return { environments, tailnets };
}

/** Looks an environment up by name (e.g. a Pulumi stack name), with the known names on failure. */
export function findEnvironment(model: Model, name: string): EnvironmentConfig {
  const env = model.environments.find((e) => e.name === name);
  if (!env) {
    throw new Error(`Unknown environment "${name}"; known environments: ${model.environments.map((e) => e.name).join(', ')}.`);
  }
  return env;
}
