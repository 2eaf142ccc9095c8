import { renderMarkdown } from '../../src/diff/render-markdown';
import { renderText } from '../../src/diff/render-text';
import type { DiffReport, EnvironmentDiff } from '../../src/diff/report';

const unchanged = (environment: string): EnvironmentDiff => ({ environment, added: [], removed: [], changed: [] });

const report: DiffReport = {
  environments: [
    unchanged('canary'),
    {
      environment: 'staging',
      added: [{ key: 'ConfigMap/tuist-staging/extra', content: { kind: 'ConfigMap', data: { a: '1' } } }],
      removed: [{ key: 'Service/tuist-staging/old', content: {} }],
      changed: [{ key: 'Deployment/tuist-staging/app', fields: [{ path: 'spec.selector.matchLabels.app', change: 'changed', before: 'a|b', after: 'with `tick`' }] }],
    },
  ],
  tailnets: [{
    tailnet: 'tuist',
    status: 'changed',
    sections: [{
      section: 'grants',
      added: [{ summary: 'tag:a → tag:b on tcp:22', value: {}, widens: true }],
      removed: [],
      changed: [{ before: 'tag:c → tag:d on tcp:1', after: 'tag:c → tag:d on tcp:1, tcp:2', fields: { ip: { gained: ['tcp:2'], lost: [] } }, widens: true }],
    }],
  }],
  files: [{ file: 'staging/path.md', change: 'changed' }],
  dangers: [{ kind: 'immutable-field', scope: 'environment staging', subject: 'Deployment/tuist-staging/app', message: '`spec.selector` changes; Kubernetes rejects it.' }],
};

describe('renderMarkdown', () => {
  const markdown = renderMarkdown(report, { base: 'origin/main (abc123)', notes: ['rendered from the committed dist/'] });

  test('puts the dangerous changes first, in a caution block', () => {
    const caution = markdown.indexOf('> [!CAUTION]');
    expect(caution).toBeGreaterThan(0);
    expect(caution).toBeLessThan(markdown.indexOf('| scope |'));
    expect(markdown).toContain('> - **environment staging** `Deployment/tuist-staging/app`: immutable field: `spec.selector` changes; Kubernetes rejects it.');
  });

  test('counts per environment and tailnet, unchanged ones included', () => {
    expect(markdown).toContain('| environment canary | 0 | 0 | 0 |');
    expect(markdown).toContain('| environment staging | 1 | 1 | 1 |');
    expect(markdown).toContain('| tailnet tuist | 1 | 0 | 1 |');
  });

  test('escapes pipes in table cells and backticks in code', () => {
    expect(markdown).toContain('| `spec.selector.matchLabels.app` | `"a\\|b"` | ``"with `tick`"`` |');
  });

  test('shows policy changes with what they gained, and the notes', () => {
    expect(markdown).toContain('- ➕ `tag:a → tag:b on tcp:22` ⚠️ **widens access**');
    expect(markdown).toContain('  - `ip` gains `"tcp:2"`');
    expect(markdown).toContain('> rendered from the committed dist/');
    expect(markdown).toContain('- changed: `staging/path.md`');
  });

  test('with maxLength, keeps dangers and counts and says what it left out', () => {
    const big: DiffReport = { ...report, environments: [{ ...report.environments[1]!, changed: Array.from({ length: 400 }, (_, i) => ({ key: `ConfigMap/ns/cm-${i}`, fields: [{ path: 'data.a', change: 'changed' as const, before: 'x'.repeat(50), after: 'y'.repeat(50) }] })) }] };
    const cut = renderMarkdown(big, { maxLength: 5000 });
    expect(cut.length).toBeLessThanOrEqual(5000);
    expect(cut).toContain('> [!CAUTION]');
    expect(cut).toContain('| environment staging |');
    expect(cut).toMatch(/_… 3 more section\(s\) left out to fit a comment; the job summary has the whole diff._/);
  });
});

describe('renderText', () => {
  const text = renderText(report, { base: 'HEAD^1' });
  test('lists dangers first, then +, - and ~ lines', () => {
    expect(text.split('\n').slice(0, 4)).toEqual([
      'Rendered changes against HEAD^1',
      '',
      'DANGEROUS CHANGES (1):',
      '  ! environment staging, Deployment/tuist-staging/app: immutable field: `spec.selector` changes; Kubernetes rejects it.',
    ]);
    expect(text).toContain('  ~ Deployment/tuist-staging/app\n      spec.selector.matchLabels.app: "a|b" → "with `tick`"');
    expect(text).toContain('  + ConfigMap/tuist-staging/extra\n      kind: ConfigMap');
    expect(text).toContain('  - Service/tuist-staging/old');
    expect(text).toContain('    + tag:a → tag:b on tcp:22   [WIDENS ACCESS]');
    expect(text).toContain('      ip gains "tcp:2"');
  });
});
