import { environmentCheck, fromProblems } from '../environment-check';
import { describeObject } from '../manifest/objects';

/** Kinds that live outside namespaces (the ones a chart of ours could plausibly render). */
const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PriorityClass', 'StorageClass',
  'PersistentVolume', 'ClusterSecretStore', 'ProxyClass', 'Connector', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration',
]);

export const explicitNamespace = environmentCheck(
  'policy.explicit-namespace',
  'Every namespaced object names its namespace',
  ({ objects }) => fromProblems(objects.filter((o) => !CLUSTER_SCOPED_KINDS.has(o.kind) && !o.metadata.namespace).map((object) => ({
    message: `${describeObject(object)} has no metadata.namespace, so it lands in whatever namespace the applier defaults to.`,
    fix: 'Render it inside the EnvironmentChart (which sets the environment\'s namespace).',
  })), 'Every namespaced object names its namespace.'),
);
