import { ENVIRONMENTS, synth } from '../fixtures';

// Refactoring backstop: the whole rendered output of each environment. Focused assertions
// on behaviour live beside each construct's tests.
describe.each(ENVIRONMENTS.map((env) => [env.name, env] as const))('%s manifests', (_name, env) => {
  test('match the snapshot', () => {
    expect(synth(env).objects).toMatchSnapshot();
  });
});
