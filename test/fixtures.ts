import type { CliContext } from '../src/cli/context';
import { ENVIRONMENTS, TAILNETS } from '../src/config';
import { objectNames } from '../src/config/names';
import type { EnvironmentConfig } from '../src/config/types';
import { type EnvironmentManifests, type KubeObject, synthesizeEnvironment } from '../src/synth/manifests';

export type DeepMutable<T> = T extends readonly (infer U)[] ? DeepMutable<U>[] : T extends object ? { -readonly [K in keyof T]: DeepMutable<T[K]> } : T;

/** A committed environment by name: the focused tests' named cases (any further environment only adds to them). */
function named(name: string): EnvironmentConfig {
  const found = ENVIRONMENTS.find((e) => e.name === name);
  if (found === undefined) throw new Error(`the tests' fixtures need an environment "${name}"; the configuration has ${ENVIRONMENTS.map((e) => e.name).join(', ')}`);
  return found;
}
export const staging = named('staging');
export const canary = named('canary');
export const production = named('production');
export { ENVIRONMENTS, TAILNETS };

/** Object names derive from the release, alike in every environment (each has its own namespace). */
export const NAMES = objectNames(staging);

/** The environments' names as the commands list them when refusing an unknown one ("a, b, c"). */
export const ENVIRONMENT_LIST = ENVIRONMENTS.map((e) => e.name).join(', ');

/** `name`, or `name` with a number appended, so that no environment of the configuration has it. */
export function unusedEnvironmentName(name: string): string {
  let candidate = name;
  for (let n = 2; ENVIRONMENTS.some((e) => e.name === candidate); n++) candidate = `${name}${n}`;
  return candidate;
}

/** A copy of `base` changed by `mutate`: one broken (or varied) thing per test. */
export function variant(base: EnvironmentConfig, mutate: (draft: DeepMutable<EnvironmentConfig>) => void): EnvironmentConfig {
  // JSON, not structuredClone: under jest, structuredClone returns arrays of another realm, which
  // fail `instanceof Array` (Pulumi's serializer then turns an `envFrom` list into an object).
  const draft = JSON.parse(JSON.stringify(base)) as DeepMutable<EnvironmentConfig>;
  mutate(draft);
  return draft as EnvironmentConfig;
}

/** The one object of `kind` (and `name`, when given) an environment renders. */
export function findObject(manifests: EnvironmentManifests, kind: string, name?: string): any {
  const matches = manifests.objects.filter((o: KubeObject) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (matches.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${matches.length}`);
  return matches[0];
}

export function synth(env: EnvironmentConfig): EnvironmentManifests {
  return synthesizeEnvironment(env);
}

/** The env vars of a Deployment's only container, by name. */
export function containerEnv(deployment: any): Record<string, any> {
  return Object.fromEntries(deployment.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
}

/** A command's context over `environments`, capturing what it prints. */
export function captureContext(environments: readonly EnvironmentConfig[] = ENVIRONMENTS): { out: string[]; err: string[]; ctx: CliContext } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, ctx: { environments, tailnets: TAILNETS, stdout: (t) => out.push(t), stderr: (t) => err.push(t) } };
}
