import { MARKER_PREFIX, OWNERSHIP_SCHEMA, findMarkers, markerIsAuthentic, renderMarker, signMarker } from '../../src/pulumi/policy-marker';
import { entryId, entryIdentity, entryPath, policyEntries } from '../../src/tailnet';

const KEY = 'k'.repeat(44);
const fields = { tailnet: 't', environment: 'e', schema: OWNERSHIP_SCHEMA, revision: 2, entries: [['grants', null, { src: ['tag:a'], dst: ['tag:b'], ip: ['tcp:1'] }]] as const };

describe('ownership markers', () => {
  test('a signed marker renders as one comment line and reads back authentic', () => {
    const line = renderMarker(signMarker(fields, KEY));
    expect(line.startsWith(MARKER_PREFIX)).toBe(true);
    expect(line).not.toContain('\n');
    const [found] = findMarkers(`${line}\n{}`);
    expect(found!.line).toBe(0);
    expect(markerIsAuthentic(found!.marker as never, KEY)).toBe(true);
  });

  test('any change of content, revision, environment or key fails the MAC', () => {
    const marker = signMarker(fields, KEY);
    expect(markerIsAuthentic({ ...marker, revision: 3 }, KEY)).toBe(false);
    expect(markerIsAuthentic({ ...marker, environment: 'other' }, KEY)).toBe(false);
    expect(markerIsAuthentic({ ...marker, entries: [['grants', null, { src: ['*'], dst: ['*'], ip: ['*'] }]] }, KEY)).toBe(false);
    expect(markerIsAuthentic(marker, 'x'.repeat(44))).toBe(false);
  });

  test('the order of entries does not matter to the MAC', () => {
    const two = { ...fields, entries: [...fields.entries, ['tagOwners', 'tag:a', ['group:x']] as const] };
    const marker = signMarker(two, KEY);
    expect(markerIsAuthentic({ ...marker, entries: [...marker.entries].reverse() }, KEY)).toBe(true);
  });

  test('malformed markers are reported with what is wrong, keeping the environment when it can be read', () => {
    expect(findMarkers(`${MARKER_PREFIX}not json`)[0]!.marker).toEqual({ malformed: 'is not JSON' });
    expect(findMarkers(`  ${MARKER_PREFIX}{"environment":"e","revision":0}`)[0]!.marker).toEqual({ malformed: expect.stringMatching(/revision \(≥ 1\)/), environment: 'e' });
  });
});

describe('policy entries', () => {
  const doc = { grants: [{ src: ['a'], dst: ['b'], ip: ['tcp:1'] }], tagOwners: { 'tag:a': ['x'] }, randomizeClientPort: true };

  test('elements by value, tag owners one by one, keys by name, other sections whole', () => {
    expect(policyEntries({ groups: { 'group:g': ['a@b.c'] } }).map((e) => e.kind)).toEqual(['key']);
    expect(policyEntries(doc).map((e) => [e.kind, entryPath(e, 0)])).toEqual([
      ['element', 'grants[0]'], ['member', 'tagOwners["tag:a"][0]'], ['section', 'randomizeClientPort'],
    ]);
  });

  test('an element\'s id follows its value regardless of key order; its identity ignores its ports', () => {
    const [a] = policyEntries(doc);
    const [b] = policyEntries({ grants: [{ ip: ['tcp:1'], dst: ['b'], src: ['a'] }] });
    const [c] = policyEntries({ grants: [{ src: ['a'], dst: ['b'], ip: ['tcp:2'] }] });
    expect(entryId(a!)).toBe(entryId(b!));
    expect(entryId(a!)).not.toBe(entryId(c!));
    expect(entryIdentity(a!)).toBe(entryIdentity(c!));
  });
});
