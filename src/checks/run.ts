import { CHECKS } from './registry';
import type { Check, CheckInput, CheckResult, CheckStatus, PathInput } from './types';

export interface CheckRun {
  readonly results: readonly CheckResult[];
  /** True when nothing failed. */
  readonly ok: boolean;
  readonly counts: Readonly<Record<CheckStatus, number>>;
}

/** Runs the checks (by default every registered one) and tallies the results. */
export function runChecks(input: CheckInput, checks: readonly Check[] = CHECKS): CheckRun {
  return runCheckList(input, checks);
}

/** Runs checks that need less than the whole input (e.g. the path checks on pure data). */
export function runCheckList<I extends PathInput>(input: I, checks: readonly Check<I>[]): CheckRun {
  const ids = new Set<string>();
  for (const check of checks) {
    if (ids.has(check.id)) throw new Error(`Two checks share the id "${check.id}"; ids name report lines and must be unique.`);
    ids.add(check.id);
  }
  return tally(checks.flatMap((check) => check.run(input)));
}

/** One run of the results of several, in order (e.g. the path proof a build already ran, then the rest). */
export function combineRuns(...runs: readonly CheckRun[]): CheckRun {
  return tally(runs.flatMap((run) => run.results));
}

function tally(results: readonly CheckResult[]): CheckRun {
  const counts: Record<CheckStatus, number> = { pass: 0, fail: 0, skip: 0, assumed: 0 };
  for (const result of results) counts[result.status] += 1;
  return { results, ok: counts.fail === 0, counts };
}
