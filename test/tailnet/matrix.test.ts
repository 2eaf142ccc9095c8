import { formatMatrixMarkdown, formatMatrixText, reachabilityMatrix } from '../../src/tailnet/matrix';
import { documentWith, fragmentsOnly, sharedTailnet } from './fixtures';
import { poolerProxyTags } from '../../src/tailnet/paths';

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

  test('from our fragments alone: each VM tag reaches its own pooler proxy and no other', () => {
    const policy = fragmentsOnly();
    const matrix = reachabilityMatrix(policy.document);
    for (const env of policy.environments) {
      const row = matrix.network[matrix.sources.indexOf(env.tailnet.vmTag)]!;
      const reached = matrix.destinations.filter((d, j) => row[j] === 'allow' && d.range.from === 5432).map((d) => d.dst);
      expect(reached).toEqual([...poolerProxyTags(env)]);
    }
  });

  test('shows capability grants apart from network access, and unproven cells for role autogroups', () => {
    const doc = documentWith({ grants: [
      { src: ['autogroup:admin'], dst: ['tag:b'], ip: ['tcp:443'], app: { 'tailscale.com/cap/kubernetes': [{}] } },
      { src: ['tag:a'], dst: ['tag:b'], app: { 'tailscale.com/cap/tsidp': [{}] } },
    ] });
    const matrix = reachabilityMatrix(doc);
    expect(matrix.capabilities).toEqual([
      { src: ['autogroup:admin'], dst: ['tag:b'], capabilities: ['tailscale.com/cap/kubernetes'], rule: 'grants[0]' },
      { src: ['tag:a'], dst: ['tag:b'], capabilities: ['tailscale.com/cap/tsidp'], rule: 'grants[1]' },
    ]);
    // The capability-only grant opens no port: tag:a reaches nothing.
    expect(matrix.network[matrix.sources.indexOf('tag:a')]).toEqual(['deny']);
  });
});

describe('matrix formats', () => {
  test('the text form names the tailnet and lists allow/deny per source', () => {
    const policy = fragmentsOnly();
    const text = formatMatrixText(policy);
    expect(text).toMatch(new RegExp(`^tailnet ${policy.tailnet.name} \\(${policy.environments.map((e) => e.name).join(', ')}\\)\\n`));
    expect(text).toMatch(/^source tag:tuist-k8s-\S+\n( +\[\d+\] +(allow|deny|unproven)\n)+/m);
  });

  test('the Markdown form of the composed policy lists capabilities, cross-environment paths and withheld tests', () => {
    const md = formatMatrixMarkdown(sharedTailnet());
    expect(md).toContain('## Capabilities (not network access)');
    expect(md).toContain('## Cross-environment paths');
    expect(md).toContain('## Withheld tests');
  });

  test('the Markdown form matches the snapshot', () => {
    expect(formatMatrixMarkdown(sharedTailnet())).toMatchSnapshot();
  });
});
