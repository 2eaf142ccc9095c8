import { PINNED_TAG_RULE, isDigest, isFloatingTag } from '../../config/syntax';
import { environmentCheck, fromProblems } from '../environment-check';
import { containerProblems } from './workload-rule';

/** The tag or digest of an image reference; an absent tag is `latest` to the runtime. */
export function imageVersion(image: string): { readonly kind: 'digest' | 'tag'; readonly value: string } {
  const at = image.indexOf('@');
  if (at !== -1) return { kind: 'digest', value: image.slice(at + 1) };
  const name = image.slice(image.lastIndexOf('/') + 1);
  const colon = name.lastIndexOf(':');
  return { kind: 'tag', value: colon === -1 ? '' : name.slice(colon + 1) };
}

export const imageTags = environmentCheck(
  'policy.image-tags',
  'Every image is pinned: no floating tags',
  ({ objects }) => fromProblems(containerProblems(objects, ({ container, where }) => {
    const image = container.image ?? '';
    const version = imageVersion(image);
    const pinned = version.kind === 'digest' ? isDigest(version.value) : !isFloatingTag(version.value);
    return pinned ? [] : [{
      message: `${where}: image ${JSON.stringify(image)} is not pinned (${version.value === '' ? 'no tag means latest' : `"${version.value}" moves`}), so what runs can change without a diff.`,
      fix: `Pin the environment's image.tag to ${PINNED_TAG_RULE}.`,
    }];
  }), 'Every image is pinned to a version or a digest.'),
);
