/**
 * The Tailscale operator's rules for exposed Services (cmd/k8s-operator/svc.go, sts.go,
 * ingress-for-pg.go, util/dnsname, tailcfg at the release in src/config/tailscale-operator.ts):
 * the ports against upstream's behaviour, then the gate on our rendered Pooler.
 */
import { checkTag, exposureReason, nameForService, validLabel } from '../../src/checks/admission/tailscale-operator';
import { NAMES, pooler, resultOf, runBroken } from './helpers';

const template = (objects: any[]): any => pooler(objects).spec.serviceTemplate;
const annotations = (objects: any[]): Record<string, string> => template(objects).metadata.annotations;

describe('dnsname.ValidLabel, ported', () => {
  test.each([
    ['a lowercase label', 'tuist-pg-pooler-staging'],
    ['upper-case letters (DNS is case-insensitive; ValidLabel takes A-Z)', 'Tuist-PG-Pooler'],
    ['a leading digit', '1pooler'],
    ['one character', 'a'],
    ['63 characters', 'a'.repeat(63)],
  ])('accepts %s', (_what, label) => {
    expect(validLabel(label)).toBeUndefined();
  });

  test.each([
    ['the empty label', '', 'empty DNS label'],
    ['64 characters', 'a'.repeat(64), 'is too long, max length is 63 bytes'],
    ['a leading dash', '-pooler', 'must start with a letter or number'],
    ['a trailing dash', 'pooler-', 'must end with a letter or number'],
    ['an underscore', 'pg_pooler', 'contains invalid character "_"'],
    ['a dot (a name, not a label)', 'pooler.staging', 'contains invalid character "."'],
    ['a non-ASCII letter', 'poolér', 'contains invalid character'],
    ['a single non-ASCII character (two bytes in Go)', 'é', 'must start with a letter or number'],
  ])('refuses %s', (_what, label, reason) => {
    expect(validLabel(label)).toContain(reason);
  });
});

describe('tailcfg.CheckTag, ported', () => {
  test.each(['tag:tuist-k8s-staging', 'tag:A1', 'tag:x'])('accepts %s', (tag) => {
    expect(checkTag(tag)).toBeUndefined();
  });
  test.each([
    ['tuist-k8s-staging', "tags must start with 'tag:'"],
    ['tag:', 'tag names must not be empty'],
    ['tag:1abc', "tag names must start with a letter, after 'tag:'"],
    ['tag:a_b', 'tag names can only contain numbers, letters, or dashes'],
    [' tag:a', "tags must start with 'tag:'"],
  ])('refuses %j', (tag, reason) => {
    expect(checkTag(tag)).toBe(reason);
  });
});

describe('which Services the operator exposes (svc.go shouldExpose)', () => {
  test.each([
    [{ 'tailscale.com/expose': 'true' }, {}, 'annotation'],
    [{ 'tailscale.com/expose': 'True' }, {}, undefined],
    [{ 'tailscale.com/expose': 'false' }, {}, undefined],
    [{}, { type: 'LoadBalancer', loadBalancerClass: 'tailscale' }, 'load-balancer-class'],
    [{ 'tailscale.com/expose': 'false' }, { type: 'LoadBalancer', loadBalancerClass: 'tailscale' }, 'load-balancer-class'],
    [{}, { type: 'LoadBalancer' }, undefined],
    [{}, { type: 'LoadBalancer', loadBalancerClass: 'other' }, undefined],
    [{}, { type: 'ClusterIP', loadBalancerClass: 'tailscale' }, undefined],
  ])('%j with spec %j: %s', (given, spec, reason) => {
    expect(exposureReason(given, spec)).toBe(reason);
  });

  test('the hostname is the annotation verbatim, else <namespace>-<name> (sts.go nameForService)', () => {
    expect(nameForService({ annotations: { 'tailscale.com/hostname': 'Pooler' }, namespace: 'ns', name: 'svc' })).toBe('Pooler');
    expect(nameForService({ annotations: {}, namespace: 'ns', name: 'svc' })).toBe('ns-svc');
  });
});

describe('the gate on our Pooler', () => {
  test('accepts an upper-case hostname, as the operator does', () => {
    const run = runBroken('staging', (objects) => { annotations(objects)['tailscale.com/hostname'] = 'Tuist-PG-Pooler-Staging'; });
    expect(resultOf(run, 'admission.tailscale-hostname', 'staging').status).toBe('pass');
  });

  test('refuses a hostname with an underscore, naming the character', () => {
    const run = runBroken('staging', (objects) => { annotations(objects)['tailscale.com/hostname'] = 'tuist_pooler'; });
    const result = resultOf(run, 'admission.tailscale-hostname', 'staging');
    expect(result).toMatchObject({ status: 'fail', message: expect.stringContaining('spec.serviceTemplate.metadata.annotations["tailscale.com/hostname"]: "tuist_pooler" is not a valid DNS label: contains invalid character "_"') });
  });

  test('without a hostname annotation, checks the name the operator makes (<namespace>-<name>)', () => {
    const run = runBroken('staging', (objects) => {
      delete annotations(objects)['tailscale.com/hostname'];
      pooler(objects).metadata.name = `p${'x'.repeat(60)}`;
    });
    expect(resultOf(run, 'admission.tailscale-hostname', 'staging').message).toMatch(/no tailscale.com\/hostname, so the hostname is "<namespace>-<name>"\): "tuist-staging-px+" is too long/);
  });

  test.each([['True'], ['yes'], ['1'], [' true']])('refuses expose %j: the operator honours only exactly "true"', (value) => {
    const run = runBroken('canary', (objects) => { annotations(objects)['tailscale.com/expose'] = value; });
    const result = resultOf(run, 'admission.tailscale-expose', 'canary');
    expect(result).toMatchObject({ status: 'fail', message: expect.stringContaining(`${JSON.stringify(value)}; the Tailscale operator`) });
    expect(result.message).toMatch(/only when the value is exactly "true", so this one stays off the tailnet/);
    expect(result.fix).toMatch(/Write "true"/);
  });

  test('accepts expose "false" (taking the pooler off the tailnet), unless a tailscale LoadBalancer keeps it on', () => {
    const off = runBroken('canary', (objects) => { annotations(objects)['tailscale.com/expose'] = 'false'; });
    expect(resultOf(off, 'admission.tailscale-expose', 'canary').status).toBe('pass');
    const kept = runBroken('canary', (objects) => {
      annotations(objects)['tailscale.com/expose'] = 'false';
      template(objects).spec = { type: 'LoadBalancer', loadBalancerClass: 'tailscale' };
    });
    expect(resultOf(kept, 'admission.tailscale-expose', 'canary')).toMatchObject({ status: 'fail', message: expect.stringMatching(/is a LoadBalancer of class "tailscale", which the Tailscale operator \S+ exposes whatever the annotation says/) });
  });

  test('refuses a headless Service template', () => {
    const run = runBroken('production', (objects) => { template(objects).spec = { clusterIP: 'None' }; });
    const result = resultOf(run, 'admission.tailscale-service', 'production');
    expect(result).toMatchObject({ status: 'fail', message: expect.stringContaining(`Pooler ${NAMES.pooler}, spec.serviceTemplate.spec.clusterIP: "None" makes the Service headless`) });
    expect(result.fix).toMatch(/Remove clusterIP/);
  });

  test('checks a LoadBalancer Service of class tailscale as exposed, without the annotation', () => {
    const run = runBroken('production', (objects) => {
      delete annotations(objects)['tailscale.com/expose'];
      annotations(objects)['tailscale.com/tags'] = 'tag:1bad';
      template(objects).spec = { type: 'LoadBalancer', loadBalancerClass: 'tailscale' };
    });
    expect(resultOf(run, 'admission.tailscale-tags', 'production').message).toMatch(/tag "tag:1bad" in "tag:1bad": tag names must start with a letter/);
  });

  test('does not judge the annotations of a Service the operator does not expose', () => {
    const run = runBroken('production', (objects) => {
      annotations(objects)['tailscale.com/expose'] = 'false';
      annotations(objects)['tailscale.com/tags'] = 'tag:1bad';
    });
    expect(resultOf(run, 'admission.tailscale-tags', 'production').status).toBe('pass');
  });
});
