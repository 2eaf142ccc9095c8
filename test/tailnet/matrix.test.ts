import { formatMatrixMarkdown, formatMatrixText, reachabilityMatrix } from '../../src/tailnet/matrix';
import { canary } from '../fixtures';
import { documentWith, sharedTailnet } from './fixtures';

describe('reachabilityMatrix', () => {
  test('has a column per destination port the grants name and a row per tag and group', () => {
    const doc = documentWith({
      groups: { 'group:ops': ['oncall@example.com'] },
      grants: [
        { src: ['tag:a'], dst: ['tag:b'], ip: ['tcp:5432', 'udp:10-20'] },
        { src: ['group:ops'], dst: ['tag:b'], ip: ['udp:15'] },
      ],
    });
    const matrix = reachabilityMatrix(doc);
    expect(matrix.sources).toEqual(['tag:a', 'tag:b', 'group:ops']);
    expect(matrix.destinations.map((d) => `${d.dst} ${d.range.proto}:${d.range.from}-${d.range.to}`)).toEqual(['tag:b tcp:5432-5432', 'tag:b udp:10-20', 'tag:b udp:15-15']);
    expect(matrix.network).toEqual([
      ['allow', 'allow', 'allow'],
      ['deny', 'deny', 'deny'],
      ['deny', 'partial', 'allow'],
    ]);
  });

  test('shows SSH per user, root included even when no rule names it', () => {
    const matrix = reachabilityMatrix(documentWith({ ssh: [{ action: 'accept', src: ['tag:a'], dst: ['tag:b'], users: ['admin'] }] }));
    expect(matrix.sshDestinations).toEqual(['tag:b']);
    expect(matrix.sshUsers).toEqual(['admin', 'root']);
    expect(matrix.ssh).toEqual([[['accept', 'deny']], [['deny', 'deny']], [['deny', 'deny']]]);
  });

  test('on the shared tailnet: each VM tag reaches its own pooler only', () => {
    const matrix = reachabilityMatrix(sharedTailnet().document);
    const row = (src: string) => Object.fromEntries(matrix.destinations.map((d, j) => [`${d.dst}:${d.range.from}`, matrix.network[matrix.sources.indexOf(src)]![j]]));
    const receivers = Object.fromEntries(canary.policy.extraClusterPorts.map((spec) => [`tag:tuist-k8s-canary:${spec.split(':')[1]}`, 'allow']));
    const otherReceivers = Object.fromEntries(Object.keys(receivers).map((key) => [key.replace('canary', 'production'), 'deny']));
    expect(row('tag:tuist-macmini-canary')).toEqual({
      'tag:tuist-k8s-canary:5432': 'allow',
      ...receivers,
      ...otherReceivers,
      'tag:tuist-macmini-canary:22': 'deny',
      'tag:tuist-macmini-canary:9091': 'deny',
      'tag:tuist-k8s-production:5432': 'deny',
      'tag:tuist-macmini-production:22': 'deny',
      'tag:tuist-macmini-production:9091': 'deny',
    });
  });
});

describe('matrix formats', () => {
  test('the text form names the tailnet and lists allow/deny per source', () => {
    const text = formatMatrixText(sharedTailnet());
    expect(text).toMatch(/^tailnet tuist \(canary, production\)\n/);
    // Production's cluster tag reaches some destinations (its VMs) and is denied others.
    const block = text.split('\n\n').find((b) => b.startsWith('source tag:tuist-k8s-production\n'))!;
    expect(block).toMatch(/^\s+\[\d+\]\s+allow$/m);
    expect(block).toMatch(/^\s+\[\d+\]\s+deny$/m);
    expect(text).toMatch(/group:tuist-ops\s+admin: check, root: deny\s+admin: check, root: deny/);
  });

  test('the Markdown form matches the snapshot', () => {
    expect(formatMatrixMarkdown(sharedTailnet())).toMatchSnapshot();
  });
});
