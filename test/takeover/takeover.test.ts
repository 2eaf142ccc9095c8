import { isUserError } from '../../src/errors/user-error';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TAKEOVER_EXIT_CODES, main } from '../../src/cli/takeover';
import { objectNames } from '../../src/config/names';
import { synthesizeEnvironment } from '../../src/synth/manifests';
import { compareTakeover } from '../../src/takeover/compare';
import { normalize, readLiveObjects } from '../../src/takeover/live-objects';
import { ENVIRONMENTS, ENVIRONMENT_LIST, captureContext, production, unusedEnvironmentName, variant } from '../fixtures';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'helm-takeover', 'production');
/** The fixture's image tags, pinned here so a release (set-image) does not change what is compared. */
// The release as the fixture's Helm objects pin it, whatever the configuration pins today.
const OURS = variant(production, (d) => {
  d.processor.image.tag = 'sha-9f8e7d6c5b4a';
  d.xcresultProcessor.image.tag = '0.11.0';
  for (const group of Object.values(d.xcresultProcessor.runtime) as unknown[]) {
    const release = (group as Record<string, { path?: string }> | undefined)?.TUIST_XCRESULT_PROCESSOR_RELEASE;
    if (release !== undefined && typeof group === 'object') release.path = '/tuist/xcresult-processor-release:0.11.0';
  }
});
const NAMES = objectNames(OURS);

function compare() {
  return compareTakeover([synthesizeEnvironment(OURS)], readLiveObjects(FIXTURE));
}

describe('takeover comparison (a Helm release against our rendered objects)', () => {
  test('reports exactly the intended differences, field by field, and no server or Helm bookkeeping', () => {
    const { report } = compare();
    const env = report.environments.find((e) => e.environment === OURS.name)!;
    expect(env.added).toEqual([]);
    expect(env.removed).toEqual([]);
    const fields = Object.fromEntries(env.changed.map((c) => [c.key, c.fields.map((f) => `${f.change} ${f.path}`)]));
    const processor = `Deployment/${OURS.namespace}/${NAMES.processorDeployment}`;
    const xcresult = `Deployment/${OURS.namespace}/${NAMES.xcresultProcessorDeployment}`;
    const pooler = `Pooler/${OURS.namespace}/${NAMES.pooler}`;
    expect(fields).toEqual({
      [processor]: ['changed spec.template.spec.containers[name=processor].image'],
      [xcresult]: [
        'removed spec.template.metadata.annotations["prometheus.io/scrape"]',
        'removed spec.template.metadata.annotations["prometheus.io/port"]',
        'removed spec.template.metadata.annotations["prometheus.io/path"]',
        // The credential's generation (docs/vm-credentials.md): the first switch of kind rolls the VMs.
        'added spec.template.metadata.annotations["tuist.dev/vm-credential-generation"]',
        // The VMs pin the pooler proxy's own tag too (it moves off the shared cluster tag).
        'changed spec.template.spec.containers[name=xcresult-processor].env[name=TAILSCALE_PEER_TAGS].value',
        // The pooler's name pinned only from a peer with the proxy's tag (vm/tailscale-up.sh).
        'added spec.template.spec.containers[name=xcresult-processor].env[name=TAILSCALE_PIN_HOSTS]',
        'added spec.template.spec.containers[name=xcresult-processor].env[name=TUIST_LOKI_URL]',
      ],
      [pooler]: ['changed spec.instances', 'changed spec.serviceTemplate.metadata.annotations["tailscale.com/tags"]'],
    });
    const image = env.changed.find((c) => c.key === processor)!.fields[0]!;
    expect(image).toMatchObject({ before: 'ghcr.io/tuist/tuist:sha-0a1b2c3d4e5f', after: `${OURS.processor.image.repository}:${OURS.processor.image.tag}` });
    expect(env.changed.find((c) => c.key === pooler)!.fields[0]).toMatchObject({ before: 1, after: OURS.pooler.instances });
    // The one danger is intended: the pooler proxy moves to its own tag (docs/runbooks/retag-pooler-proxy.md).
    expect(report.dangers.map((d) => `${d.kind} ${d.subject}`)).toEqual([`proxy-retag ${pooler}`]);
  });

  test('lists the Helm labels and annotations it dropped, per object', () => {
    const { helmMetadata } = compare();
    expect(helmMetadata.size).toBe(fs.readdirSync(FIXTURE).length);
    for (const fields of helmMetadata.values()) {
      expect(fields).toEqual(expect.arrayContaining(['metadata.labels["app.kubernetes.io/managed-by"]: "Helm"', 'metadata.annotations["meta.helm.sh/release-name"]: "tuist"']));
    }
  });

  test('flags a selector the live Deployment has and ours changes as dangerous (Kubernetes refuses it)', () => {
    const live = readLiveObjects(FIXTURE).map((l) => {
      if (l.object.kind !== 'Deployment' || l.object.metadata.name !== NAMES.processorDeployment) return l;
      const object = structuredClone(l.object) as any;
      object.spec.selector.matchLabels = { 'app.kubernetes.io/name': 'tuist', 'app.kubernetes.io/component': 'processor' };
      return { ...l, object };
    });
    const { report } = compareTakeover([synthesizeEnvironment(OURS)], live);
    expect(report.dangers).toEqual([
      expect.objectContaining({ kind: 'immutable-field', subject: `Deployment/${OURS.namespace}/${NAMES.processorDeployment}` }),
      // The takeover also moves the pooler proxy onto its own tag: docs/runbooks/retag-pooler-proxy.md.
      expect.objectContaining({ kind: 'proxy-retag', subject: `Pooler/${OURS.namespace}/${NAMES.pooler}` }),
    ]);
  });

  test('redacts a live Secret\'s values, like the pull request diff', () => {
    const secret = normalize('secret.yaml', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: OURS.namespace }, data: { password: 'aHVudGVyMg==' } } as any);
    const { report } = compareTakeover([synthesizeEnvironment(OURS)], [secret]);
    const removed = report.environments[0]!.removed;
    expect(JSON.stringify(removed)).not.toContain('aHVudGVyMg==');
    expect(JSON.stringify(removed)).toContain('[REDACTED]');
  });
});

describe('takeover command', () => {
  const run = (argv: string[]) => {
    const { out, err, ctx } = captureContext(ENVIRONMENTS.map((e) => (e.name === OURS.name ? OURS : e)));
    try {
      return { code: main(argv, ctx), out: out.join('\n'), err: err.join('\n') };
    } catch (error) {
      // A user error is printed by scripts/run.js, which exits with its code.
      if (!isUserError(error)) throw error;
      return { code: error.exitCode, out: out.join('\n'), err: [...err, error.message].join('\n') };
    }
  };

  test('prints the changes and the dropped Helm metadata; exit 3', () => {
    const { code, out } = run(['--from', FIXTURE, '--env', OURS.name]);
    // Dangerous: the pooler proxy's tags change, which the operator applies only to a new proxy.
    expect(code).toBe(TAKEOVER_EXIT_CODES.dangerous);
    expect(out).toContain('docs/runbooks/retag-pooler-proxy.md');
    expect(out).toContain(`environment ${OURS.name}: 0 added, 0 removed, 3 changed`);
    expect(out).toContain('+ spec.template.spec.containers[name=xcresult-processor].env[name=TUIST_LOKI_URL]');
    expect(out).toMatch(/note: Deployment\/\S+: Helm's metadata.labels\["app.kubernetes.io\/managed-by"\]: "Helm"/);
  });

  test('fails on bad input with the fix, writing nothing', () => {
    const missing = path.join(os.tmpdir(), 'no-such-takeover-dir');
    expect(run(['--from', missing])).toMatchObject({ code: TAKEOVER_EXIT_CODES.error, err: expect.stringContaining(`--from "${missing}" is not a directory. Fix: pass the directory`) });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'takeover-'));
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'kind: Deployment\nmetadata: {}\n');
    expect(run(['--from', dir])).toMatchObject({ code: TAKEOVER_EXIT_CODES.error, err: expect.stringContaining('a.yaml holds a document that is not a Kubernetes object') });
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\n');
    expect(run(['--from', dir])).toMatchObject({ code: TAKEOVER_EXIT_CODES.error, err: expect.stringContaining('names no namespace, so it matches no environment. Fix: render with `helm template --namespace <ns>`, or pass --env') });
  });

  test('usage errors exit 2, naming what is allowed', () => {
    expect(run([])).toMatchObject({ code: TAKEOVER_EXIT_CODES.usage, err: expect.stringContaining('--from is required') });
    const unknown = unusedEnvironmentName('qa');
    expect(run(['--from', FIXTURE, '--env', unknown])).toMatchObject({ code: TAKEOVER_EXIT_CODES.usage, err: expect.stringContaining(`--env must name an environment (${ENVIRONMENT_LIST}); got "${unknown}"`) });
  });
});
