import { ENVIRONMENTS } from '../config/environments';
import { TAILNETS, type TailnetConfig } from '../config/tailnets';
import type { EnvironmentConfig } from '../config/types';

/**
 * What a command reads from and writes to beyond its arguments. Tests pass their own
 * (bad configurations, captured output); the CLI uses the committed configuration.
 */
export interface CliContext {
  readonly environments: readonly EnvironmentConfig[];
  readonly tailnets: readonly TailnetConfig[];
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export function defaultContext(): CliContext {
  return {
    environments: ENVIRONMENTS,
    tailnets: TAILNETS,
    stdout: (text) => process.stdout.write(`${text}\n`),
    stderr: (text) => process.stderr.write(`${text}\n`),
  };
}
