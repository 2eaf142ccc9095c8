#!/usr/bin/env node
/**
 * `npm run bench [-- --runs <n>] [--ref <git-ref>] [--with-tests] [--strict]`: whole-process
 * timings (median of <n> runs after one warm-up) against their targets.
 *
 * Everything runs in a temporary worktree of <ref> (default HEAD) that borrows this checkout's
 * node_modules and the CRD schemas beside it, so the main working tree is never touched: not
 * its dist/, not its files. The one-line change for the diff is a temporary commit in that
 * worktree, which is removed at the end.
 */
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');

const ROOT = path.resolve(__dirname, '..');

const USAGE = `usage: npm run bench -- [--runs <n>] [--ref <git-ref>] [--with-tests] [--strict]

Whole-process timings (median of <n> runs after one warm-up) against their targets, in a
temporary worktree of <git-ref> (the working tree is never touched).

options:
  --runs <n>       timed runs per measure (default: 5)
  --ref <git-ref>  the commit to measure (default: HEAD)
  --with-tests     also time one \`npm test\`
  --strict         exit 1 when a target is missed
  -h, --help       print this help and exit

exit codes:
  0  measured (targets missed are marked NO unless --strict)
  1  a target was missed with --strict, or a measured command failed
  2  usage error`;

let values;
try {
  ({ values } = parseArgs({
    options: {
      runs: { type: 'string', default: '5' },
      ref: { type: 'string', default: 'HEAD' },
      'with-tests': { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  }));
} catch (error) {
  console.error(`bench: ${error.message}\nusage: npm run bench -- [--runs <n>] [--ref <git-ref>] [--with-tests] [--strict] (--help for more)`);
  process.exit(2);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const RUNS = Number(values.runs);
if (!Number.isInteger(RUNS) || RUNS < 1) {
  console.error(`bench: --runs must be a whole number of at least 1; got ${JSON.stringify(values.runs)}.`);
  process.exit(2);
}

/** Runs a command once; fails loudly unless it exits with one of `codes`. Returns milliseconds. */
function once(command, args, cwd, codes = [0]) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (!codes.includes(result.status)) {
    throw new Error(`\`${[command, ...args].join(' ')}\` in ${cwd} exited ${result.status} (expected ${codes.join(' or ')}):\n${result.stderr}${result.stdout}`.trimEnd());
  }
  return ms;
}

/** Median of `runs` timed runs, after one untimed warm-up (caches: esbuild output, CRD validators). */
function median(command, args, cwd, codes, runs = RUNS) {
  once(command, args, cwd, codes);
  const times = Array.from({ length: runs }, () => once(command, args, cwd, codes)).sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function git(args, cwd = ROOT) {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** A worktree of `ref` in `dir`, with node_modules and ../shared borrowed from this checkout. */
function prepareWorktree(dir, ref) {
  const repo = path.join(dir, 'repo');
  git(['worktree', 'add', '--detach', '--quiet', repo, ref]);
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(repo, 'node_modules'), 'dir');
  const shared = path.resolve(ROOT, '..', 'shared');
  if (fs.existsSync(shared)) fs.symlinkSync(shared, path.join(dir, 'shared'), 'dir');
  require('esbuild').buildSync({
    entryPoints: [path.join(repo, 'bench', 'synth-many.ts')],
    outfile: path.join(repo, '.build', 'bench-synth-many.js'),
    bundle: true, platform: 'node', target: 'node20', format: 'cjs', packages: 'external', logLevel: 'warning',
  });
  return repo;
}

/** Commits a one-line change in the worktree: staging's xcresult-processor tag. */
function commitOneLineChange(repo) {
  const file = path.join(repo, 'src', 'config', 'environments', 'staging.ts');
  const text = fs.readFileSync(file, 'utf8');
  const line = /^(\s*image: \{ repository: '[^']*xcresult-processor', tag: ')([^']*)(' \},)$/m;
  if (!line.test(text)) throw new Error(`bench: no xcresult-processor image line in ${file}; update commitOneLineChange.`);
  fs.writeFileSync(file, text.replace(line, '$1bench-one-line$3'));
  git(['-c', 'user.name=bench', '-c', 'user.email=bench@localhost', 'commit', '--quiet', '--no-verify', '-am', 'bench: one-line change'], repo);
}

const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

function main() {
  const commit = git(['rev-parse', '--short', `${values.ref}^{commit}`]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  const rows = [];
  let repo;
  try {
    repo = prepareWorktree(dir, commit);
    const node = process.execPath;
    const out = path.join(dir, 'out');

    const bare = median(node, ['-e', "require('cdk8s-plus-28')"], repo);
    rows.push(['(a) bare node + require cdk8s-plus-28', fmt(bare), '', '']);
    const synth = median(node, ['scripts/run.js', 'synth', '--out', out, '-q'], repo);
    rows.push(['(b) synth + checks of 3 environments (node scripts/run.js synth)', fmt(synth), `≤ 5× (a) = ${fmt(5 * bare)}`, synth <= 5 * bare]);
    const npmSynth = median('npm', ['run', 'synth'], repo);
    rows.push(['(c) npm run synth', fmt(npmSynth), '≤ 1 s', npmSynth <= 1000]);
    const few = median(node, ['.build/bench-synth-many.js', '3'], repo);
    const many = median(node, ['.build/bench-synth-many.js', '100'], repo, [0], Math.min(RUNS, 3));
    rows.push(['(d) synth of 3 generated environments', fmt(few), '', '']);
    rows.push(['    synth of 100 generated environments', fmt(many), `≤ 3× (3 envs): ${(many / few).toFixed(1)}×`, many <= 3 * few]);

    // Before the one-line change, which the snapshots would (rightly) reject; listed last.
    const tests = values['with-tests'] ? once('npm', ['test'], repo) : undefined;

    commitOneLineChange(repo);
    const diffNpm = median('npm', ['run', '-s', 'diff', '--', '--base', 'HEAD~1'], repo, [3]);
    const diffNode = median(node, ['scripts/run.js', 'diff', '--base', 'HEAD~1'], repo, [3]);
    rows.push(['(e) diff of all environments, one-line change (npm run diff)', fmt(diffNpm), '≤ 2 s', diffNpm <= 2000]);
    rows.push(['    the same, node scripts/run.js diff', fmt(diffNode), '≤ 2 s', diffNode <= 2000]);
    if (tests !== undefined) rows.push(['(f) npm test (one run)', fmt(tests), '< 60 s', tests < 60000]);
  } finally {
    if (repo !== undefined) git(['worktree', 'remove', '--force', repo]);
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const table = [['measure', 'median', 'target', 'met'], ...rows.map(([m, t, target, ok]) => [m, t, target, ok === '' ? '' : ok ? 'yes' : 'NO'])];
  const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
  console.log(`whole-process timings of ${values.ref} (${commit}), median of ${RUNS} runs, ${os.cpus().length} CPUs, node ${process.version}`);
  for (const r of table) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
  const missed = rows.filter((r) => r[3] === false).length;
  if (missed > 0 && values.strict) process.exitCode = 1;
}

main();
