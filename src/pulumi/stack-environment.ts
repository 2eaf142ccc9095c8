import { type Model, findEnvironment } from '../config/load';
import type { EnvironmentConfig } from '../config/types';

/**
 * The environment a stack deploys. Stacks are named after environments, so nothing in a
 * stack's configuration can point it at another environment's rules, key or namespace.
 */
export function environmentForStack(model: Model, stack: string): EnvironmentConfig {
  try {
    return findEnvironment(model, stack);
  } catch (error) {
    throw new Error(
      `Pulumi stack "${stack}" deploys no environment: ${(error as Error).message} ` +
      `Each stack is named after the environment it deploys. Fix: \`pulumi stack select <environment>\` ` +
      '(or `pulumi stack init <environment>`), or add the environment to src/config/environments/ first.',
      { cause: error },
    );
  }
}
