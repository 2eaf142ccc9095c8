import { type ParseCache, parseManifests, readRenderedTree, seedParseCache } from '../../src/diff/rendered-tree';
import { loadModel } from '../../src/config/load';
import { build } from '../../src/synth/build';
import { manifestPath } from '../../src/synth/render';
import { ENVIRONMENTS, TAILNETS } from '../fixtures';

const built = build(loadModel(ENVIRONMENTS, TAILNETS));

describe('the parse cache seeded from a build (the diff parses none of the head\'s manifests)', () => {
  test('every rendered manifest parses back to exactly the object it was rendered from', () => {
    for (const manifests of built.environments) {
      for (const object of manifests.objects) {
        expect(parseManifests(built.files.get(manifestPath(manifests.environment.name, object))!)).toStrictEqual([object]);
      }
    }
  });

  test('reads the same tree as parsing every file, and holds every manifest of the build', () => {
    const seeded: ParseCache = new Map();
    seedParseCache(seeded, built.environments, built.files);
    expect(seeded.size).toBe(built.environments.reduce((n, e) => n + e.objects.length, 0));
    expect(readRenderedTree(built.files, seeded)).toStrictEqual(readRenderedTree(built.files));
  });
});
