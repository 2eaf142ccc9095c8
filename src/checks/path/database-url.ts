/**
 * The database hops: which Secret key each processor's DATABASE_URL reads, and where the URL
 * in that key leads. The URL is rendered from the ExternalSecret's template and parsed, and the
 * host is compared with what the Pooler object says (its tailnet hostname, or its Service).
 */
import { ENV_VARS } from '../../config/env-vars';
import { POOLER_SERVICE_PORT, objectNames } from '../../config/names';
import type { KubeObject } from '../../synth/manifests';
import { type EnvironmentCheckContext, type Outcome, environmentCheck, fail, failWith, pass, skip } from '../environment-check';
import type { PathInput } from '../types';
import { type DatabaseUrl, databaseUrlOf } from '../manifest/database-url';
import type { ExternalSecretView } from '../manifest/external-secret';
import { describeObject } from '../manifest/objects';
import { poolerOf } from '../manifest/pooler';
import { type Broken, type EnvSecretRef, envSecretRef, isBroken, producerOf } from '../manifest/secret-reference';

const DATABASE_URL = ENV_VARS.databaseUrl;

interface FollowedUrl {
  readonly source: EnvSecretRef;
  readonly producer: ExternalSecretView;
}

/** From a Deployment's DATABASE_URL to the ExternalSecret that writes the key it reads. */
export function followDatabaseUrl(objects: readonly KubeObject[], deploymentName: string): FollowedUrl | Broken {
  const source = envSecretRef(objects, deploymentName, DATABASE_URL);
  if (isBroken(source)) return source;
  const producer = producerOf(objects, source, DATABASE_URL);
  return isBroken(producer) ? producer : { source, producer };
}

/** The URL in the key, or the outcome that says why it cannot be judged. */
function renderedUrl(followed: FollowedUrl, dependency: string): DatabaseUrl | Outcome {
  const { producer, source } = followed;
  const result = databaseUrlOf(producer, source.ref.key);
  switch (result.kind) {
    case 'parsed': return result.url;
    case 'not-templated': return fail(
      `ExternalSecret ${producer.object.metadata.name} copies key "${source.ref.key}" straight from the store, so the URL's host is not in the manifest and cannot be proven.`,
      'Compose the URL in spec.target.template.data from the password, with the host spelled out.',
    );
    case 'unrenderable': return skip(`The URL template of key "${source.ref.key}" does not render (${dependency} reports why): ${result.reason}`);
    case 'invalid': return fail(result.problem, result.fix);
  }
}

function isOutcome(value: DatabaseUrl | Outcome): value is Outcome {
  return 'status' in value;
}

function checkPort(url: DatabaseUrl, where: string): Outcome | undefined {
  if (url.port === POOLER_SERVICE_PORT) return undefined;
  return fail(
    `${where}: the URL's port is ${url.port ?? '(none)'}; the pooler's Service listens on ${POOLER_SERVICE_PORT}.`,
    `Write :${POOLER_SERVICE_PORT} after the host.`,
  );
}

export const databaseUrlKey = environmentCheck<PathInput>(
  'path.database-url-key',
  "The xcresult VM's DATABASE_URL reads a Secret key that the processor ExternalSecret writes",
  ({ environment, objects }) => {
    const followed = followDatabaseUrl(objects, objectNames(environment).xcresultProcessorDeployment);
    if (isBroken(followed)) return failWith(followed);
    const { source: { ref }, producer } = followed;
    return pass(`DATABASE_URL reads Secret ${ref.name}, key ${ref.key}, which ExternalSecret ${producer.object.metadata.name} writes.`);
  },
);

export const databaseUrlHost = environmentCheck<PathInput>(
  'path.database-url-host',
  "That key's URL names the pooler's tailnet hostname and port 5432",
  ({ environment, objects }) => {
    const followed = followDatabaseUrl(objects, objectNames(environment).xcresultProcessorDeployment);
    if (isBroken(followed)) return skip('The key DATABASE_URL reads is not proven (see path.database-url-key).');
    const pooler = poolerOf(environment, objects);
    if (typeof pooler === 'string') return fail(`${pooler}, so the URL has nothing to point at.`, 'Render the environment\'s Pooler (src/k8s/database-pooler.ts).');
    const url = renderedUrl(followed, 'admission.template-keys');
    if (isOutcome(url)) return url;
    const where = `Secret key ${followed.source.ref.key}`;
    if (pooler.hostname === undefined) {
      return fail(
        `${describeObject(pooler.object)} has no tailscale.com/hostname annotation, so nothing on the tailnet answers for ${url.host}; the VMs are not on the pod network and reach the pooler only through its tailnet proxy.`,
        'Enable pooler.tailnetExposure for this environment.',
      );
    }
    if (url.host !== pooler.hostname) {
      return fail(
        `${where}: the URL's host is "${url.host}", but ${describeObject(pooler.object)}'s tailnet hostname is "${pooler.hostname}"; the VMs would dial a name no proxy answers for.`,
        `Use a URL whose host is "${pooler.hostname}" (the key the constructs compose for the VMs).`,
      );
    }
    return checkPort(url, where) ?? pass(`${where} dials ${url.host}:${url.port}, the tailnet hostname of ${describeObject(pooler.object)}.`);
  },
);

export const linuxDatabaseUrl = environmentCheck<PathInput>(
  'path.linux-database-url',
  "The Linux processor's URL names the pooler Service in its own namespace, port 5432",
  linuxUrlOutcome,
);

function linuxUrlOutcome({ environment, objects }: EnvironmentCheckContext<PathInput>): Outcome {
  const followed = followDatabaseUrl(objects, objectNames(environment).processorDeployment);
  if (isBroken(followed)) return failWith(followed);
  const pooler = poolerOf(environment, objects);
  if (typeof pooler === 'string') return fail(`${pooler}, so the URL has nothing to point at.`, 'Render the environment\'s Pooler (src/k8s/database-pooler.ts).');
  const namespace = followed.source.deployment.metadata.namespace;
  if (pooler.namespace !== namespace) {
    return fail(
      `${describeObject(followed.source.deployment)} is in namespace "${namespace ?? '(unset)'}" but ${describeObject(pooler.object)} is in "${pooler.namespace ?? '(unset)'}"; the processor reaches the pooler's Service in its own namespace.`,
      'Render both into the environment\'s namespace.',
    );
  }
  const url = renderedUrl(followed, 'admission.template-keys');
  if (isOutcome(url)) return url;
  // CNPG names the pooler's Service exactly like the Pooler.
  const service = `${pooler.name}.${namespace}.svc`;
  const where = `Secret key ${followed.source.ref.key}`;
  if (url.host !== service && url.host !== `${service}.cluster.local`) {
    return fail(
      `${where}: the Linux processor's URL host is "${url.host}"; the pooler's Service in its namespace is "${service}".`,
      `Use a URL whose host is "${service}".`,
    );
  }
  return checkPort(url, where) ?? pass(`${where} dials ${url.host}:${url.port}, the Service of ${describeObject(pooler.object)}.`);
}
