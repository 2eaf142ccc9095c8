/** Following an env var of a Deployment to the Secret key it reads and the ExternalSecret that writes it. */
import type { KubeObject } from '../../synth/manifests';
import type { Problem } from '../environment-check';
import { type ExternalSecretView, producersOf } from './external-secret';
import { type Container, deploymentContainer, envVar } from './objects';

export interface SecretKeyRef { readonly name: string; readonly key: string }

/** Why a hop could not be followed, and what to change. */
export type Broken = Problem;

export function isBroken(value: object): value is Broken {
  return 'message' in value && 'fix' in value;
}

export interface EnvSecretRef {
  readonly deployment: KubeObject;
  readonly container: Container;
  readonly ref: SecretKeyRef;
}

/** The `secretKeyRef` of env var `envName` in Deployment `deploymentName`'s container. */
export function envSecretRef(objects: readonly KubeObject[], deploymentName: string, envName: string): EnvSecretRef | Broken {
  const found = deploymentContainer(objects, deploymentName);
  if (typeof found === 'string') return { message: `${found}.`, fix: 'Render the Deployment with exactly one container (src/k8s).' };
  const variable = envVar(found.container, envName);
  const ref = variable?.valueFrom?.secretKeyRef;
  if (variable === undefined) {
    return { message: `Deployment ${deploymentName} has no ${envName} env var.`, fix: `Set ${envName} from a secretKeyRef in the Deployment's container.` };
  }
  if (ref?.name === undefined || ref.key === undefined) {
    return { message: `Deployment ${deploymentName}: ${envName} is not read from a Secret key (valueFrom.secretKeyRef with name and key).`, fix: `Read ${envName} from a secretKeyRef; a credential never appears as a literal value.` };
  }
  return { deployment: found.deployment, container: found.container, ref: { name: ref.name, key: ref.key } };
}

/**
 * The one ExternalSecret that writes the referenced Secret in the Deployment's namespace
 * (a secretKeyRef never leaves its pod's namespace) with the referenced key.
 */
export function producerOf(objects: readonly KubeObject[], source: EnvSecretRef, envName: string): ExternalSecretView | Broken {
  const { deployment, ref } = source;
  const where = `Deployment ${deployment.metadata.name}: ${envName} reads key "${ref.key}" of Secret "${ref.name}"`;
  const producers = producersOf(objects, ref.name, deployment.metadata.namespace);
  if (producers.length === 0) {
    return { message: `${where}, but no ExternalSecret in namespace "${deployment.metadata.namespace ?? '(unset)'}" writes a Secret of that name.`, fix: `Point ${envName} at a Secret that an ExternalSecret in the Deployment's namespace writes (its spec.target.name).` };
  }
  if (producers.length > 1) {
    return { message: `${where}, which ${producers.length} ExternalSecrets write (${producers.map((p) => p.object.metadata.name).join(', ')}); they would overwrite each other.`, fix: 'Let exactly one ExternalSecret write each Secret.' };
  }
  const producer = producers[0]!;
  if (!producer.producedKeys.includes(ref.key)) {
    const keys = producer.producedKeys.join(', ') || 'none';
    const dataFrom = producer.usesDataFrom ? ' (spec.dataFrom may add keys, but only the store knows which, so they cannot be proven)' : '';
    return { message: `${where}, but ExternalSecret ${producer.object.metadata.name} writes only the keys ${keys}${dataFrom}.`, fix: `Use one of ${keys}, or add "${ref.key}" to the ExternalSecret's spec.target.template.data.` };
  }
  return producer;
}
