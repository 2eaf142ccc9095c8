/** What External Secrets Operator refuses at reconcile time, caught before anything is applied. */
import { renderTemplate } from '../../eso/template';
import { type Problem, environmentCheck, fromProblems } from '../environment-check';
import { externalSecrets } from '../manifest/external-secret';
import { describeObject } from '../manifest/objects';

export const templateKeys = environmentCheck(
  'admission.template-keys',
  'Every key an ExternalSecret template references is declared in its spec.data',
  ({ objects }) => {
    const problems: Problem[] = [];
    for (const es of externalSecrets(objects)) {
      // ESO renders with missingkey=error: a key not in spec.data fails the whole Secret.
      const data = Object.fromEntries(es.dataKeys.map((key) => [key, 'sample']));
      for (const [key, source] of Object.entries(es.template ?? {})) {
        try {
          renderTemplate(key, source, data);
        } catch (error) {
          problems.push({
            message: `${describeObject(es.object)}, spec.target.template.data["${key}"]: ${(error as Error).message}`,
            fix: `Declare every referenced key in spec.data[].secretKey (declared: ${es.dataKeys.join(', ') || 'none'}), or reference a declared one.`,
          });
        }
      }
    }
    return fromProblems(problems, 'Every template renders from the keys its spec.data declares.');
  },
);

export const templateEngine = environmentCheck(
  'admission.template-engine',
  'ExternalSecret templates use engine v2',
  ({ objects }) => fromProblems(externalSecrets(objects).flatMap((es): Problem[] => (
    es.template === undefined || es.engineVersion === 'v2' ? [] : [{
      message: `${describeObject(es.object)}, spec.target.template.engineVersion is ${es.engineVersion === undefined ? 'unset' : JSON.stringify(es.engineVersion)}; the templates are written for engine v2 and say so, so their meaning never follows a changed default.`,
      fix: 'Set spec.target.template.engineVersion to "v2".',
    }]
  )), 'Every templated ExternalSecret uses engine v2.'),
);
