/**
 * What the Tailscale operator refuses in the annotations it reads: a hostname that is not one
 * DNS label, tags that are not `tag:` names separated by bare commas.
 */
import { DNS_LABEL_RULE, TAILSCALE_TAG_RULE, isDnsLabel, isTailscaleTag } from '../../config/syntax';
import { TAILSCALE_ANNOTATIONS } from '../../config/tailscale-operator';
import type { KubeObject } from '../../synth/manifests';
import { type Problem, environmentCheck, fromProblems } from '../environment-check';
import { describeObject, field } from '../manifest/objects';

interface AnnotationSite {
  readonly object: KubeObject;
  readonly path: string;
  readonly annotations: Readonly<Record<string, string>>;
}

/** Where Tailscale annotations can sit: an object's own, and a Pooler's Service template. */
function annotationSites(objects: readonly KubeObject[]): AnnotationSite[] {
  return objects.flatMap((object) => {
    const template = field(object, 'spec', 'serviceTemplate', 'metadata', 'annotations') as Record<string, string> | undefined;
    return [
      { object, path: 'metadata.annotations', annotations: object.metadata.annotations ?? {} },
      ...(template === undefined ? [] : [{ object, path: 'spec.serviceTemplate.metadata.annotations', annotations: template }]),
    ];
  });
}

function annotationProblems(objects: readonly KubeObject[], annotation: string, judge: (value: string, where: string) => Problem[]): Problem[] {
  return annotationSites(objects).flatMap(({ object, path, annotations }) => {
    const value = annotations[annotation];
    return value === undefined ? [] : judge(value, `${describeObject(object)}, ${path}["${annotation}"]`);
  });
}

export const tailscaleHostname = environmentCheck(
  'admission.tailscale-hostname',
  'Tailnet hostnames are one DNS label of at most 63 characters',
  ({ objects }) => fromProblems(annotationProblems(objects, TAILSCALE_ANNOTATIONS.hostname, (value, where) => (
    isDnsLabel(value) ? [] : [{
      message: `${where}: ${JSON.stringify(value)} is not ${DNS_LABEL_RULE}; the operator refuses it.`,
      fix: 'Use one lowercase DNS label ending in the environment name (pooler.tailnetExposure.hostname).',
    }]
  )), 'Every tailnet hostname is a valid DNS label.'),
);

export const tailscaleTags = environmentCheck(
  'admission.tailscale-tags',
  'Proxy tags are Tailscale tags separated by commas without spaces',
  ({ objects }) => fromProblems(annotationProblems(objects, TAILSCALE_ANNOTATIONS.tags, (value, where) => {
    const bad = value.split(',').filter((tag) => !isTailscaleTag(tag));
    return bad.length === 0 ? [] : [{
      message: `${where}: ${JSON.stringify(value)} has ${bad.map((t) => JSON.stringify(t)).join(', ')}, not ${TAILSCALE_TAG_RULE}; tags are separated by "," with no spaces.`,
      fix: 'Write the tags as "tag:a,tag:b" with no spaces (pooler.tailnetExposure.tags).',
    }];
  }), 'Every tag annotation is well-formed.'),
);
