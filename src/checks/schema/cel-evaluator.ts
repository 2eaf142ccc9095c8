/**
 * Running CEL rules and format checks. The CEL implementation (@marcbachmann/cel-js) takes
 * about 60 ms to load, a sixth of `npm run synth`, so it is loaded only when a verdict is not
 * in the cache (src/build-cache/verdict-cache.ts): a warm run whose objects did not change loads nothing.
 */
import * as path from 'node:path';
import type { CelOutcome, CelRule, CheckFormat, EvaluateCel } from './cel-rules';
import { packageVersion, verdictCache, verdictKey } from '../../build-cache';

type CelModule = typeof import('@marcbachmann/cel-js');
type Program = ReturnType<CelModule['parse']>;

let cel: CelModule | undefined;
function celModule(): CelModule {
  // ES module only: Node >= 20.19 requires it synchronously (jest transforms it, jest.config.js).
  cel ??= require('@marcbachmann/cel-js') as CelModule;
  return cel;
}

const programs = new Map<string, Program>();
function program(expression: string): Program {
  let compiled = programs.get(expression);
  if (compiled === undefined) {
    compiled = celModule().parse(expression);
    programs.set(expression, compiled);
  }
  return compiled;
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message.split('\n')[0]! : String(error));

/** Runs a rule now (loads the CEL library). */
export function evaluateNow(rule: CelRule, variables: { readonly self: unknown; readonly oldSelf?: unknown }): CelOutcome {
  let result: unknown;
  try {
    result = program(rule.rule)(variables);
  } catch (error) {
    return { ok: false, error: errorText(error) };
  }
  if (result === true) return { ok: true };
  if (result !== false) return { ok: false, error: `the rule gives ${typeof result}, not a bool` };
  if (rule.messageExpression !== undefined) {
    try {
      const message = program(rule.messageExpression)(variables);
      if (typeof message === 'string' && message !== '') return { ok: false, message };
    } catch {
      // The API server falls back to `message` too.
    }
  }
  return { ok: false, ...(rule.message !== undefined && { message: rule.message }) };
}

/** Whether an expression parses, with the parser's reason when not (for the CRD-data tests). */
export function parseProblem(expression: string): string | undefined {
  try {
    program(expression);
    return undefined;
  } catch (error) {
    return errorText(error);
  }
}

/** Bump when evaluateNow's outcomes change meaning, so cached ones are not reused. */
const OUTCOME_FORMAT = 1;

export interface CachedEvaluator {
  readonly evaluate: EvaluateCel;
  /** Writes new verdicts to the cache (when there is one and anything was evaluated). */
  readonly flush: () => void;
}

/** An evaluator that answers from the verdict cache in `cacheDir` when it can. */
export function cachedEvaluator(cacheDir: string | undefined): CachedEvaluator {
  if (cacheDir === undefined) return { evaluate: evaluateNow, flush: () => {} };
  const cache = verdictCache<CelOutcome>(cacheDir, 'cel-verdicts');
  return {
    evaluate: (rule, variables) => {
      const key = verdictKey([OUTCOME_FORMAT, rule, variables]);
      const known = cache.get(key);
      if (known !== undefined) return known;
      const outcome = evaluateNow(rule, variables);
      cache.set(key, outcome);
      return outcome;
    },
    flush: cache.flush,
  };
}

/** The cache's directory also names the library's version, so an upgrade re-evaluates everything. */
export function verdictCacheDir(cacheDir: string | undefined): string | undefined {
  return cacheDir === undefined ? undefined : path.join(cacheDir, `cel-${packageVersion('@marcbachmann/cel-js')}`);
}

/** Go's time.ParseDuration syntax, plus the day and week units of the API server's `duration` format (kube-openapi strfmt). */
const K8S_DURATION = /^[-+]?((\d+(\.\d*)?|\.\d+)\s*(ns|us|µs|ms|s|m|h|d|w|seconds?|minutes?|hours?|days?|weeks?)\s*)+$/;

type FormatCheck = (value: string) => boolean;
let formats: Readonly<Record<string, FormatCheck>> | undefined;

/** Checks a string against one of VALIDATED_FORMATS (ajv-formats' full formats, loaded on first use). */
export const checkFormat: CheckFormat = (format, value) => {
  if (formats === undefined) {
    const { fullFormats } = require('ajv-formats/dist/formats') as typeof import('ajv-formats/dist/formats');
    const pick = (name: keyof typeof fullFormats): FormatCheck => {
      const f = fullFormats[name] as unknown;
      if (typeof f === 'function') return f as FormatCheck;
      if (f instanceof RegExp) return (v) => f.test(v);
      const validate = (f as { validate: RegExp | FormatCheck }).validate;
      return validate instanceof RegExp ? (v) => validate.test(v) : validate;
    };
    formats = {
      'date-time': pick('date-time'), datetime: pick('date-time'), date: pick('date'), uri: pick('uri'), email: pick('email'),
      hostname: pick('hostname'), ipv4: pick('ipv4'), ipv6: pick('ipv6'), uuid: pick('uuid'), byte: pick('byte'),
      duration: (v) => K8S_DURATION.test(v),
    };
  }
  const check = formats[format];
  return check === undefined ? true : check(value);
};
