import { UserError } from '../errors/user-error';
import { ENVIRONMENTS } from './environments';
import { REGISTRY_FILE, environmentFile } from './registry';
import { TAILNETS, type TailnetConfig } from './tailnets';
import type { EnvironmentConfig } from './types';
import { type ConfigProblem, REGISTRY, formatProblem, validateEnvironments } from './validate';

/** Thrown when configuration is invalid; carries every problem found, and names the files to fix. */
export class ConfigError extends UserError {
  constructor(readonly problems: readonly ConfigProblem[]) {
    const environments = [...new Set(problems.map((p) => p.environment).filter((e) => e !== REGISTRY))];
    // An entry without a usable name (ENVIRONMENTS[i]) is found through the registry.
    const files = [...new Set(problems.map((p) => (p.environment === REGISTRY || p.environment.startsWith('ENVIRONMENTS[') ? REGISTRY_FILE : environmentFile(p.environment))))];
    const subject = environments.length === 0 ? 'the environment registry' : `environment(s) ${environments.join(', ')}`;
    super(
      `Invalid configuration for ${subject} (${problems.length} problem(s)) in ${files.join(', ')}:\n` +
      problems.map((p) => `  - ${formatProblem(p)}`).join('\n'),
    );
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
