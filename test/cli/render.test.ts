import { main as render } from '../../src/cli/render';
import { ConfigError, loadModel } from '../../src/config/load';
import { build } from '../../src/synth/build';
import { ENVIRONMENTS, TAILNETS, captureContext, staging, variant } from '../fixtures';

describe('render (how the diff renders its base)', () => {
  test('prints exactly the files synth writes, as one JSON object of path → content', () => {
    const { out, err, ctx } = captureContext();
    expect(render([], ctx)).toBe(0);
    expect(err).toEqual([]);
    expect(out).toHaveLength(1);
    expect(new Map(Object.entries(JSON.parse(out[0]!)))).toEqual(new Map(build(loadModel(ENVIRONMENTS, TAILNETS)).files));
  });

  test('fails on an invalid configuration, naming the environment and the field, and prints no files', () => {
    const broken = variant(staging, (d) => { (d.pooler as any).poolSize = 50; });
    const { out, ctx } = captureContext(ENVIRONMENTS.map((e) => (e.name === staging.name ? broken : e)));
    expect(() => render([], ctx)).toThrow(ConfigError);
    expect(() => render([], ctx)).toThrow(new RegExp(`environment "${staging.name}", pooler\\.poolSize: unknown field "poolSize"`));
    expect(out).toEqual([]);
  });

  test('refuses an argument it does not take (usage, exit 2: the diff then renders an older base with synth)', () => {
    const { ctx } = captureContext();
    expect(() => render(['--out', 'x'], ctx)).toThrow(/--out/);
  });
});
