import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../src/cli/new-environment';
import { REGISTRY_FILE, environmentFile } from '../../src/config/registry';
import { constantName, planNewEnvironment, registerEnvironment, renameValue } from '../../src/scaffold/new-environment';
import { readTree } from '../../src/synth/output-tree';
import { objectNames } from '../../src/config/names';
import { ENVIRONMENTS, TAILNETS, staging, unusedEnvironmentName } from '../fixtures';
import { ROOT, copyRepository, runCli } from './repo-copy';

/** The environment the tests scaffold: a name the configuration does not have yet. */
const NEW = unusedEnvironmentName('qa');

describe('new-environment', () => {
  test.each(ENVIRONMENTS.map((e) => e.name))('a copy of %s is valid beside every environment and carries none of its identifiers', (from) => {
    const plan = planNewEnvironment({ root: ROOT, name: NEW, from, environments: ENVIRONMENTS, tailnets: TAILNETS });
    const source = ENVIRONMENTS.find((e) => e.name === from)!;
    expect(plan.environment.name).toBe(NEW);
    // Every owned identifier renamed; what is not an identifier (the stage, the tailnet) kept.
    for (const rename of plan.renames) expect(rename.after).not.toBe(rename.before);
    expect(plan.environment.stage).toBe(source.stage);
    expect(plan.environment.tailnet.tailnet).toBe(source.tailnet.tailnet);
    // The fleet's size is copied (a person decides it; the plan says so); its name derives from the release.
    expect(plan.environment.xcresultProcessor.fleet).toEqual(source.xcresultProcessor.fleet);
    const text = plan.created.get(environmentFile(NEW))!;
    expect(text).toMatch(new RegExp(`export const ${constantName(NEW)}: EnvironmentConfig = \\{`));
    expect(text.split('\n')).toHaveLength(fs.readFileSync(path.join(ROOT, environmentFile(from)), 'utf8').split('\n').length);
    const stack = plan.created.get(`Pulumi.${NEW}.yaml`)!;
    expect(stack.split('\n')).toHaveLength(fs.readFileSync(path.join(ROOT, `Pulumi.${from}.yaml`), 'utf8').split('\n').length);
    expect(stack).not.toMatch(new RegExp(`(^|[^a-z0-9])${from}([^a-z0-9]|$)`));
  });

  test('renames the environment only as a whole segment', () => {
    expect(renameValue('tag:tuist-k8s-staging', 'staging', 'qa')).toBe('tag:tuist-k8s-qa');
    expect(renameValue('tuist-env-1-postgres', 'env-1', 'qa')).toBe('tuist-qa-postgres');
    expect(renameValue('tuist-env-10-postgres', 'env-1', 'qa')).toBe('tuist-env-10-postgres-qa');
    expect(renameValue('tuist', 'production', 'qa')).toBe('tuist-qa');
    expect(constantName('eu-west-2')).toBe('euWest2');
  });

  test('registers in the registry\'s own formatting', () => {
    expect(registerEnvironment("import { a } from './a';\nimport { c } from './c';\n\nexport const ENVIRONMENTS = [a, c];\n", 'b', 'b'))
      .toBe("import { a } from './a';\nimport { b } from './b';\nimport { c } from './c';\n\nexport const ENVIRONMENTS = [a, c, b];\n");
    expect(registerEnvironment("import { a } from './a';\n\nexport const ENVIRONMENTS = [\n  a,\n];\n", 'z', 'z'))
      .toBe("import { a } from './a';\nimport { z } from './z';\n\nexport const ENVIRONMENTS = [\n  a,\n  z,\n];\n");
  });

  describe('refusals (nothing written)', () => {
    let root: string;
    beforeAll(() => { root = copyRepository('new-env-refuse-'); });
    const run = (argv: string[]) => main(argv, { environments: ENVIRONMENTS, tailnets: TAILNETS, stdout: () => {}, stderr: () => {}, root });
    const tree = () => readTree(path.join(root, 'src', 'config'));

    test.each([
      [[ENVIRONMENTS[0]!.name, '--from', ENVIRONMENTS[1]!.name], new RegExp(`^environment "${ENVIRONMENTS[0]!.name}" already exists \\(src/config/environments/${ENVIRONMENTS[0]!.name}\\.ts\\)\\. Fix: choose another name\\.$`)],
      [['QA_1', '--from', 'canary'], /^"QA_1" is not one DNS label: .*Fix: choose e\.g\. "qa"/],
      [[NEW, '--from', unusedEnvironmentName('nope')], new RegExp(`^--from "${unusedEnvironmentName('nope')}" is not an environment; known: ${ENVIRONMENTS.map((e) => e.name).join(', ')}\\.$`)],
      [[NEW], /^--from <existing> is required/],
      [['--from', ENVIRONMENTS[0]!.name], /^expected one <name>, got none\./],
    ])('fails for %j with exit 2 and the fix', (argv, message) => {
      const before = tree();
      expect(() => run(argv)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(message) }));
      expect(tree()).toEqual(before);
      expect(fs.existsSync(path.join(root, `Pulumi.${NEW}.yaml`))).toBe(false);
    });

    test('fails when a stack file of that name exists without an environment', () => {
      fs.writeFileSync(path.join(root, `Pulumi.${NEW}.yaml`), 'config: {}\n');
      expect(() => run([NEW, '--from', ENVIRONMENTS[0]!.name])).toThrow(new RegExp(`^Pulumi\\.${NEW}\\.yaml already exists, though no environment "${NEW}" is registered`));
      fs.rmSync(path.join(root, `Pulumi.${NEW}.yaml`));
    });
  });

  test('end to end: one more environment scaffolded in a copy of the repository synthesizes and passes the checks', () => {
    const root = copyRepository('new-env-e2e-');
    const from = ENVIRONMENTS[0]!.name;
    const scaffold = runCli(root, ['new-environment', NEW, '--from', from]);
    expect({ status: scaffold.status, stderr: scaffold.stderr }).toEqual({ status: 0, stderr: '' });
    expect(scaffold.stdout).toMatch(/still to decide or create/);
    expect(fs.readFileSync(path.join(root, REGISTRY_FILE), 'utf8')).toMatch(new RegExp(`import \\{ ${constantName(NEW)} \\} from '\\./${NEW}';[\\s\\S]*ENVIRONMENTS[^=]*= \\[[^\\]]*\\b${constantName(NEW)},?\\s*\\]`));
    // Only the renamed lines differ from the source file.
    const source = fs.readFileSync(path.join(root, environmentFile(from)), 'utf8').split('\n');
    const copy = fs.readFileSync(path.join(root, environmentFile(NEW)), 'utf8').split('\n');
    expect(copy.filter((line, i) => line !== source[i]).every((line) => line.includes(NEW))).toBe(true);

    const synth = runCli(root, ['synth', '--require-schemas']);
    expect({ status: synth.status, stderr: synth.stderr }).toEqual({ status: 0, stderr: '' });
    expect(fs.readdirSync(path.join(root, 'dist', NEW))).toEqual(expect.arrayContaining([`pooler.${objectNames(staging).pooler}.yaml`, `deployment.${objectNames(staging).xcresultProcessorDeployment}.yaml`]));
    expect(runCli(root, ['synth', '--check']).status).toBe(0);
    expect(runCli(root, ['check', '--require-schemas']).status).toBe(0);
    // A second run refuses: the name exists now.
    expect(runCli(root, ['new-environment', NEW, '--from', from]).status).toBe(2);
  });
});
