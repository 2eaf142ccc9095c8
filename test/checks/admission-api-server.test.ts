/**
 * The API server's own validation rules (kubernetes/kubernetes pkg/apis/{apps,core,policy}/validation), which no
 * schema carries, and the Kubernetes OpenAPI schema of core objects (kubernetes-models).
 */
import { apiServerProblems, labelKeyProblem, labelValueProblem, portNameProblem, quantityValue } from '../../src/checks/admission/api-server';
import { coreSchemaErrors } from '../../src/checks/schema/core-objects';
import { NAMES, container, expectOnlyFailure, linux, pick, resultOf, runBroken, xcresult } from './helpers';

const pdb = (objects: any[]): any => pick(objects, 'PodDisruptionBudget', NAMES.processorDeployment);

describe('admission.api-server', () => {
  test('the rendered objects pass', () => {
    const run = runBroken('production', () => {});
    for (const environment of ['staging', 'canary', 'production']) expect(resultOf(run, 'admission.api-server', environment).status).toBe('pass');
  });

  test.each([
    [0, 0, true], ['0%', 0, true], [0, '0%', true], [0, 1, false], [1, 0, false], ['25%', '0%', false],
  ])('maxSurge %j with maxUnavailable %j: refused %s', (maxSurge, maxUnavailable, refused) => {
    const run = runBroken('production', (objects) => { xcresult(objects).spec.strategy.rollingUpdate = { maxSurge, maxUnavailable }; });
    if (!refused) {
      expect(resultOf(run, 'admission.api-server', 'production').status).toBe('pass');
      return;
    }
    // The scheduling proof refuses the same rollout for its own reason (no progress without a spare host).
    expect(run.results.filter((r) => r.status === 'fail').map((r) => r.check).sort()).toEqual(['admission.api-server', 'scheduling.vm-rollout']);
    const failure = resultOf(run, 'admission.api-server', 'production');
    expect(failure.message).toBe(`Deployment ${NAMES.xcresultProcessorDeployment}, spec.strategy.rollingUpdate.maxUnavailable: ${JSON.stringify(maxUnavailable)}: may not be 0 when \`maxSurge\` is 0 (no pod could be replaced, so a rollout never progresses); the API server refuses it.`);
  });

  test('only maxSurge 0 set: maxUnavailable defaults to 25%, accepted', () => {
    const run = runBroken('production', (objects) => { xcresult(objects).spec.strategy.rollingUpdate = { maxSurge: 0 }; });
    expect(resultOf(run, 'admission.api-server', 'production').status).toBe('pass');
  });

  test('maxUnavailable above 100% and a malformed percentage are refused', () => {
    const run = runBroken('canary', (objects) => { xcresult(objects).spec.strategy.rollingUpdate = { maxSurge: '1', maxUnavailable: '150%' }; });
    const message = resultOf(run, 'admission.api-server', 'canary').message;
    expect(message).toContain('spec.strategy.rollingUpdate.maxSurge: "1": value should be int(5) or percentage(5%)');
    expect(message).toContain('spec.strategy.rollingUpdate.maxUnavailable: "150%": must not be greater than 100%');
  });

  test('a selector label missing from the template labels is refused, naming both', () => {
    const run = runBroken('staging', (objects) => { delete linux(objects).spec.template.metadata.labels['app.kubernetes.io/instance']; });
    expect(resultOf(run, 'admission.api-server', 'staging').message).toMatch(new RegExp(`Deployment ${NAMES.processorDeployment}, spec.template.metadata.labels: .*: \`selector\` does not match template \`labels\``));
  });

  test('with hostNetwork, a hostPort must match its containerPort; a host port is used once per pod', () => {
    const run = runBroken('production', (objects) => {
      const pod = xcresult(objects).spec.template.spec;
      pod.hostNetwork = true;
      container(xcresult(objects)).ports = [{ containerPort: 9091, hostPort: 9092, name: 'metrics', protocol: 'TCP' }, { containerPort: 9091, name: 'again', protocol: 'TCP' }];
    });
    const message = resultOf(run, 'admission.api-server', 'production').message;
    expect(message).toContain('spec.template.spec.containers[xcresult-processor].ports[0].hostPort: 9092: must match `containerPort` (9091) when `hostNetwork` is true');
    expect(message).toContain('spec.template.spec.containers[xcresult-processor].ports[1].hostPort: 9091: Duplicate value');
  });

  test('port names: IANA service names, unique per container', () => {
    const run = runBroken('staging', (objects) => { container(linux(objects)).ports = [{ containerPort: 1, name: 'Metrics_Port' }, { containerPort: 2, name: 'Metrics_Port' }]; });
    const message = resultOf(run, 'admission.api-server', 'staging').message;
    expect(message).toContain('ports[0].name: "Metrics_Port": must contain only lowercase alphanumeric characters or "-"');
    expect(message).toContain('ports[1].name: "Metrics_Port": Duplicate value');
  });

  test('requests above limits are refused', () => {
    const run = runBroken('canary', (objects) => { container(linux(objects)).resources = { requests: { cpu: '2', memory: '512Mi' }, limits: { cpu: '1500m', memory: '1Gi' } }; });
    expect(expectOnlyFailure(run, 'admission.api-server', 'canary').message).toContain('resources.requests["cpu"]: "2": must be less than or equal to cpu limit of "1500m"');
  });

  test('a PodDisruptionBudget with both minAvailable and maxUnavailable is refused', () => {
    const run = runBroken('production', (objects) => { const spec = pdb(objects).spec; spec.minAvailable ??= 1; spec.maxUnavailable ??= 1; });
    expect(expectOnlyFailure(run, 'admission.api-server', 'production').message).toBe(`PodDisruptionBudget ${NAMES.processorDeployment}, spec: minAvailable and maxUnavailable cannot be both set; the API server refuses it.`);
  });

  test('label keys and values', () => {
    const run = runBroken('staging', (objects) => { linux(objects).metadata.labels['tuist.dev/bad key'] = 'x'; linux(objects).metadata.labels['ok'] = '-bad'; });
    const message = resultOf(run, 'admission.api-server', 'staging').message;
    expect(message).toContain('metadata.labels: key "tuist.dev/bad key": name part must consist of alphanumeric characters');
    expect(message).toContain('metadata.labels["ok"]: "-bad": a valid label must be an empty string or consist of alphanumeric characters');
  });

  test('a Service with several ports names each, uniquely', () => {
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc' }, spec: { ports: [{ port: 1, name: 'a' }, { port: 2 }, { port: 3, name: 'a' }] } } as any;
    expect(apiServerProblems(service)).toEqual(['spec.ports[1].name: Required value (a Service with several ports names each)', 'spec.ports[2].name: "a": Duplicate value']);
  });

  test.each([
    ['app.kubernetes.io/name', undefined], ['a', undefined], ['Tuist.dev/x', 'prefix part must be a lowercase RFC 1123 subdomain'], ['a/b/c', expect.stringMatching(/qualified name/)], [`x${'y'.repeat(63)}`, expect.stringMatching(/no more than 63/)],
  ])('label key %j', (key, problem) => {
    expect(labelKeyProblem(key)).toEqual(problem);
  });

  test.each([['', undefined], ['a.b_c-d', undefined], ['a'.repeat(64), 'must be no more than 63 characters'], ['a b', expect.stringMatching(/valid label/)]])('label value %j', (value, problem) => {
    expect(labelValueProblem(value)).toEqual(problem);
  });

  test.each([['metrics', undefined], ['http-2', undefined], ['a--b', 'must not contain consecutive hyphens'], ['123', 'must contain at least one letter'], ['a'.repeat(16), 'must be no more than 15 characters']])('port name %j', (name, problem) => {
    expect(portNameProblem(name)).toEqual(problem);
  });

  test.each([['250m', 0.25], ['1Gi', 2 ** 30], ['1.5', 1.5], ['2e3', 2000], ['1k', 1000], ['x', undefined]])('quantity %j', (text, value) => {
    expect(quantityValue(text)).toBe(value);
  });
});

describe('schema.core-objects (kubernetes-models)', () => {
  test('refuses replicas: "two", naming the field and the value', () => {
    const run = runBroken('staging', (objects) => { linux(objects).spec.replicas = 'two'; });
    const failure = expectOnlyFailure(run, 'schema.core-objects', 'staging');
    expect(failure.message).toBe(`Deployment ${NAMES.processorDeployment} does not match the Kubernetes schema of apps/v1 Deployment: spec.replicas: "two" is not of type integer.`);
  });

  test('refuses a container port without containerPort, and a PodDisruptionBudget with a boolean maxUnavailable', () => {
    const run = runBroken('production', (objects) => {
      container(linux(objects)).ports = [{ hostPort: 80 }];
      pdb(objects).spec.maxUnavailable = true;
    });
    const message = resultOf(run, 'schema.core-objects', 'production').message;
    expect(message).toContain('spec.template.spec.containers[0].ports[0]: missing required field "containerPort"');
    expect(message).toContain(`PodDisruptionBudget ${NAMES.processorDeployment} does not match the Kubernetes schema of policy/v1 PodDisruptionBudget: spec.maxUnavailable: true matches none of the allowed forms`);
  });

  test('says when a core kind has no known schema, instead of passing it', () => {
    const run = runBroken('staging', (objects) => { objects.push({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'tuist-staging' }, spec: {} }); });
    expect(resultOf(run, 'schema.core-objects', 'staging').message).toMatch(/Job j: no Kubernetes schema is known here for batch\/v1 Job/);
  });

  test('validates Services and Secrets too', () => {
    expect(coreSchemaErrors({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 'http' }] } } as any)).toEqual(['spec.ports[0].port: "http" is not of type integer']);
    expect(coreSchemaErrors({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { a: 1 } } as any)).toEqual(['stringData.a: 1 is not of type string']);
    expect(coreSchemaErrors({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { a: 'b' } } as any)).toEqual([]);
  });
});
