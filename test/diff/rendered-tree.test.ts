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

  test('leaves out an object JSON would not hold exactly, which is parsed from its file instead', () => {
    const manifests = built.environments[0]!;
    const object = { ...manifests.objects[0]!, metadata: { ...manifests.objects[0]!.metadata, annotations: { note: undefined as unknown as string } } };
    const seeded: ParseCache = new Map();
    seedParseCache(seeded, [{ ...manifests, objects: [object] }], new Map([[manifestPath(manifests.environment.name, object), 'kind: X\n']]));
    expect(seeded.size).toBe(0);
  });
});
