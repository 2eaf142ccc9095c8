/** The options of every command that runs the checks (synth, check). */
import type { OptionSpec } from './command';

export const CHECK_OPTIONS = {
  crds: { type: 'string', value: '<dir>', description: 'the CRD schemas (default: ../shared/crds, relative to the repository)' },
  'require-schemas': { type: 'boolean', default: false, description: 'fail, instead of skip, when the CRD schemas are missing (CI does)' },
} as const satisfies Record<string, OptionSpec>;
