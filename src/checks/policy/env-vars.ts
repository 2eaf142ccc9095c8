import { isSecretAssignment, isSecretKeyName, secretValueKind } from '../../secrets/secret-looking';
import { type Problem, environmentCheck, fromProblems } from '../environment-check';
import { describeObject, forEachStringLeaf } from '../manifest/objects';
import type { KubeObject } from '../../synth/manifests';
import { containerProblems } from './workload-rule';

export const duplicateEnv = environmentCheck(
  'policy.duplicate-env',
  'No container sets the same env var twice',
  ({ objects }) => fromProblems(containerProblems(objects, ({ container, where }) => {
    const names = (container.env ?? []).map((e) => e.name);
    const duplicates = [...new Set(names.filter((name, i) => names.indexOf(name) !== i))];
    return duplicates.length === 0 ? [] : [{
      message: `${where}: env ${duplicates.join(', ')} set more than once; Kubernetes keeps the last silently.`,
      fix: 'Set each env var once.',
    }];
  }), 'No env var is set twice.'),
);


export const secretLiterals = environmentCheck(
  'policy.secret-literals',
  'No env var or other field holds a secret-looking literal value',
  ({ objects }) => fromProblems([...envProblems(objects), ...fieldProblems(objects)], 'No env var or other field carries a literal credential.'),
);

function envProblems(objects: readonly KubeObject[]): Problem[] {
  return containerProblems(objects, ({ container, where }) => (container.env ?? []).flatMap((variable) => {
    if (variable.value === undefined) return [];
    // What counts as a secret is src/secrets/secret-looking.ts's rule, the same the diff redacts by.
    const byValue = secretValueKind(variable.value);
    if (byValue === undefined && !isSecretAssignment(variable.name, variable.value)) return [];
    const why = byValue !== undefined ? `that looks like ${byValue}`
      : isSecretKeyName(variable.name) ? 'whose name says it holds a credential'
        : 'whose name names a credential and whose value looks random';
    // The value itself is never repeated: it may be a real credential.
    return [{
      message: `${where}: env ${variable.name} is a literal ${why}; literal values end up in dist/, the Pulumi state and \`kubectl describe\`.`,
      fix: `Read ${variable.name} from a Secret key (valueFrom.secretKeyRef).`,
    }];
  }));
}

/**
 * Fields that name where a credential is (a Secret and its key, a vault item and its property),
 * never the credential: `secretKeyRef.key: github-app-private-key` is a reference, not a value.
 */
const REFERENCE_PATH = /\.(secretKeyRef|configMapKeyRef)\.(key|name)$|\.(secretRef|configMapRef)\.name$|\.remoteRef\.(key|property)$|\.secretKey$/;

/** Any other string of any object (annotations, pooler parameters, templates): by its value and its key. */
function fieldProblems(objects: readonly KubeObject[]): Problem[] {
  const problems: Problem[] = [];
  for (const object of objects) {
    forEachStringLeaf(object, (text, property, path) => {
      if (property === undefined || /\.env\[\d+\]\.value$/.test(path()) || REFERENCE_PATH.test(path())) return;
      const kind = secretValueKind(text) ?? (isSecretAssignment(property, text) ? 'a value whose key names a credential' : undefined);
      if (kind === undefined) return;
      problems.push({
        message: `${describeObject(object)}: ${path()} is a literal that looks like ${kind}; literal values end up in dist/ and the Pulumi state.`,
        fix: 'Keep credentials in the vault or the stack\'s secrets and reference them (an ExternalSecret template, a secretKeyRef), never as a literal.',
      });
    });
  }
  return problems;
}
