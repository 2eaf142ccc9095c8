/**
 * What the end-to-end test needs to know about one environment, read from its synthesized
 * objects (never from the config directly): the e2e then checks the artifacts, not the
 * intentions behind them.
 */
import { DATABASE_URL_KEYS, objectNames } from '../../../src/config/names';
import type { EnvironmentManifests, KubeObject } from '../../../src/synth/manifests';

export interface PoolerFacts {
  readonly name: string;
  /** `tailscale.com/hostname`: the name the VMs dial. */
  readonly hostname: string;
  /** `tailscale.com/tags`, split: the tags the pooler's proxy carries on the tailnet. */
  readonly tags: readonly string[];
  readonly poolMode: string;
  readonly parameters: Readonly<Record<string, string>>;
}

export interface PathFacts {
  readonly environment: string;
  readonly pooler: PoolerFacts;
  readonly vm: {
    /** `TAILSCALE_PEER_TAGS` of the xcresult-processor container: whom the VM pins. */
    readonly peerTags: string;
    /**
     * `TAILSCALE_PIN_HOSTS` (`<name>=<tag>`): the pooler's tailnet hostname and the tag its
     * proxy must carry. Read from the container when it sets it; until the Deployment renders
     * it, derived from the Pooler's own `tailscale.com/hostname` and first `tailscale.com/tags`.
     */
    readonly pinHosts: string;
    /** The Secret key the VM's `DATABASE_URL` comes from. */
    readonly databaseUrlKey: string;
  };
  readonly secret: {
    /** The one `spec.data[].secretKey`: the template's only input. */
    readonly passwordKey: string;
    /** `spec.target.template.data[databaseUrlKey]`. */
    readonly urlTemplate: string;
  };
}

export class PathFactsError extends Error {
  constructor(environment: string, where: string, problem: string) {
    super(`e2e fixture, environment "${environment}", ${where}: ${problem}`);
    this.name = 'PathFactsError';
  }
}

type Json = unknown;

/** Follows `path` into `value`; fails naming the object and the path when a step is missing. */
function dig(environment: string, object: KubeObject, path: readonly (string | number)[]): Json {
  let value: Json = object;
  for (const [i, step] of path.entries()) {
    const next = value !== null && typeof value === 'object' ? (value as Record<string | number, Json>)[step] : undefined;
    if (next === undefined) {
      throw new PathFactsError(environment, `${object.kind}/${object.metadata.name}`,
        `has no ${path.slice(0, i + 1).join('.')}; the end-to-end path needs it (is the tailnet exposure on for this environment?).`);
    }
    value = next;
  }
  return value;
}

function str(environment: string, object: KubeObject, path: readonly (string | number)[]): string {
  const value = dig(environment, object, path);
  if (typeof value !== 'string') {
    throw new PathFactsError(environment, `${object.kind}/${object.metadata.name}`, `${path.join('.')} is ${JSON.stringify(value)}, expected a string.`);
  }
  return value;
}

function only(environment: string, objects: readonly KubeObject[], what: string, match: (o: KubeObject) => boolean): KubeObject {
  const found = objects.filter(match);
  if (found.length !== 1) {
    throw new PathFactsError(environment, what, `expected exactly one, found ${found.length} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}.`);
  }
  return found[0]!;
}

interface EnvVar { readonly name: string; readonly value?: string; readonly valueFrom?: { readonly secretKeyRef?: { readonly name: string; readonly key: string } } }

export function readPathFacts(manifests: EnvironmentManifests): PathFacts {
  const env = manifests.environment.name;
  const { objects } = manifests;

  const pooler = only(env, objects, 'the Pooler', (o) => o.kind === 'Pooler');
  const annotations = ['spec', 'serviceTemplate', 'metadata', 'annotations'];
  const parameters = dig(env, pooler, ['spec', 'pgbouncer', 'parameters']) as Record<string, Json>;
  for (const [key, value] of Object.entries(parameters)) {
    if (typeof value !== 'string') throw new PathFactsError(env, `Pooler/${pooler.metadata.name}`, `spec.pgbouncer.parameters.${key} is ${JSON.stringify(value)}; CNPG wants strings.`);
  }

  const xcresultName = objectNames(manifests.environment).xcresultProcessorDeployment;
  const deployment = only(env, objects, `Deployment/${xcresultName}`,
    (o) => o.kind === 'Deployment' && o.metadata.name === xcresultName);
  const containerEnv = dig(env, deployment, ['spec', 'template', 'spec', 'containers', 0, 'env']) as readonly EnvVar[];
  const envVar = (name: string): EnvVar => {
    const found = containerEnv.find((e) => e.name === name);
    if (!found) throw new PathFactsError(env, `Deployment/${deployment.metadata.name}`, `its container has no ${name}; it has ${containerEnv.map((e) => e.name).join(', ')}.`);
    return found;
  };
  const peerTags = envVar('TAILSCALE_PEER_TAGS').value;
  const urlRef = envVar('DATABASE_URL').valueFrom?.secretKeyRef;
  if (peerTags === undefined || urlRef === undefined) {
    throw new PathFactsError(env, `Deployment/${deployment.metadata.name}`, 'TAILSCALE_PEER_TAGS must be a literal and DATABASE_URL a secretKeyRef.');
  }
  if (urlRef.key !== DATABASE_URL_KEYS.tailnet) {
    throw new PathFactsError(env, `Deployment/${deployment.metadata.name}`, `DATABASE_URL reads key "${urlRef.key}", not the tailnet URL "${DATABASE_URL_KEYS.tailnet}"; the VM could not reach the pooler.`);
  }

  const externalSecret = only(env, objects, `the ExternalSecret writing Secret "${urlRef.name}"`,
    (o) => o.kind === 'ExternalSecret' && (o as { spec?: { target?: { name?: string } } }).spec?.target?.name === urlRef.name);
  const data = dig(env, externalSecret, ['spec', 'data']) as readonly { readonly secretKey: string }[];
  if (data.length !== 1) {
    throw new PathFactsError(env, `ExternalSecret/${externalSecret.metadata.name}`, `spec.data has ${data.length} entries; the e2e supplies exactly one vault value (the password).`);
  }

  const hostname = str(env, pooler, [...annotations, 'tailscale.com/hostname']);
  const tags = str(env, pooler, [...annotations, 'tailscale.com/tags']).split(',');
  const pinHosts = containerEnv.find((e) => e.name === 'TAILSCALE_PIN_HOSTS')?.value ?? `${hostname}=${tags[0]}`;

  return {
    environment: env,
    pooler: {
      name: pooler.metadata.name,
      hostname,
      tags,
      poolMode: str(env, pooler, ['spec', 'pgbouncer', 'poolMode']),
      parameters: parameters as Record<string, string>,
    },
    vm: { peerTags, pinHosts, databaseUrlKey: urlRef.key },
    secret: {
      passwordKey: data[0]!.secretKey,
      urlTemplate: str(env, externalSecret, ['spec', 'target', 'template', 'data', urlRef.key]),
    },
  };
}
