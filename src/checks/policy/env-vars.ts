import { environmentCheck, fromProblems } from '../environment-check';
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

/** Names of variables that hold credentials (`TAILSCALE_AUTH_KEY`, `DB_PASSWORD`, …). */
const SECRET_NAME = /(^|_)(PASSWORD|PASSWD|SECRET|TOKEN|AUTH_KEY|API_KEY|PRIVATE_KEY|CREDENTIALS?)$/i;
/** Values that are credentials whatever the name: Tailscale keys, PEM keys, URLs with a password, common token formats. */
const SECRET_VALUES: readonly { readonly pattern: RegExp; readonly what: string }[] = [
  { pattern: /^tskey-/, what: 'a Tailscale key (tskey-…)' },
  { pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/, what: 'a PEM private key' },
  { pattern: /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i, what: 'a URL with a password' },
  { pattern: /^(gh[pousr]_|github_pat_|xox[abprs]-|AKIA[0-9A-Z]{16})/, what: 'an API token' },
];

export const secretLiterals = environmentCheck(
  'policy.secret-literals',
  'No env var holds a secret-looking literal value',
  ({ objects }) => fromProblems(containerProblems(objects, ({ container, where }) => (container.env ?? []).flatMap((variable) => {
    if (variable.value === undefined) return [];
    const byValue = SECRET_VALUES.find(({ pattern }) => pattern.test(variable.value!));
    if (!byValue && !SECRET_NAME.test(variable.name)) return [];
    // The value itself is never repeated: it may be a real credential.
    return [{
      message: `${where}: env ${variable.name} is a literal ${byValue ? `that looks like ${byValue.what}` : 'whose name says it holds a credential'}; literal values end up in dist/, the Pulumi state and \`kubectl describe\`.`,
      fix: `Read ${variable.name} from a Secret key (valueFrom.secretKeyRef).`,
    }];
  })), 'No env var carries a literal credential.'),
);
