/**
 * The verification gates' vocabulary. A check reads the synthesized objects (plain JSON), the
 * configuration and the tailnet policy, and says per environment whether what it proves holds.
 */
import type { Model } from '../config/load';
import type { EnvironmentConfig } from '../config/types';
import type { KubeObject } from '../synth/manifests';
import type { TailnetPolicy } from '../tailnet/policy';
import type { CrdCatalog } from './schema/crd-catalog';

/**
 * `pass`: proven; `fail`: refused (the run fails); `skip`: not checked, said loudly (a
 * missing input, or an earlier hop it depends on failed); `assumed`: holds only by an
 * assertion made outside this repository (e.g. by a vault item's owner), which code cannot prove.
 */
export type CheckStatus = 'pass' | 'fail' | 'skip' | 'assumed';

export interface CheckResult {
  /** The check's id, e.g. `path.database-url-key`. */
  readonly check: string;
  readonly environment: string;
  readonly status: CheckStatus;
  /** What was proven, or what is wrong: where (object, field), the value, what is allowed. */
  readonly message: string;
  /** How to mend a failure (or end a skip). */
  readonly fix?: string;
}

/** One environment as the checks see it: its configuration and its rendered objects. */
export interface CheckedEnvironment {
  readonly environment: EnvironmentConfig;
  readonly objects: readonly KubeObject[];
}

/** What the path checks read: pure data, so `build` can draw the proven path without I/O. */
export interface PathInput {
  readonly model: Model;
  readonly environments: readonly CheckedEnvironment[];
  /** One verified policy per tailnet, as `build` makes them. */
  readonly policies: readonly TailnetPolicy[];
}

export interface CheckInput extends PathInput {
  /** CRD schemas of the releases the cluster runs; `missing` when the directory is absent. */
  readonly crds: CrdCatalog;
  /** When set, missing CRD schemas fail the schema check instead of skipping it. */
  readonly requireSchemas: boolean;
}

export interface Check<I extends PathInput = CheckInput> {
  /** `<category>.<name>`; categories: path, scheduling, admission, schema, policy. */
  readonly id: string;
  /** One line: what the check proves. */
  readonly title: string;
  readonly run: (input: I) => CheckResult[];
}
