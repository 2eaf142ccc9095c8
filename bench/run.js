#!/usr/bin/env node
/**
 * `npm run bench [-- --runs <n>] [--ref <git-ref>] [--with-tests] [--strict]`: whole-process
 * timings against the targets of docs/benchmarks.md, printed as a table.
 *
 * Every ratio is taken in the same run from paired measurements: each timed run of a command
 * is next to a timed run of what it is compared with (in alternating order), and the ratio is
 * the median of the pairs' ratios, so a load that comes and goes hits both sides alike. Every
 * command is run once untimed first (warm caches: the bundles, the CRD validators).
 *
 * Everything runs in a temporary worktree of <ref> (default HEAD) that borrows this checkout's
 * node_modules (and with it the bundle cache) and the CRD schemas beside it, so the working
 * tree is never touched: not its dist/, not its files. The one-line change for the diff is a
 * temporary commit in that worktree, which is removed at the end.
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
  --runs <n>       timed runs per measure (default: 9)
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
      runs: { type: 'string', default: '9' },
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

/** A command to time: argv, where, which exit codes are success. */
const cmd = (command, args, codes = [0]) => ({ command, args, codes });

/** Runs a command once; fails loudly unless it exits with one of its codes. Returns milliseconds. */
function once({ command, args, codes }, cwd, env = process.env) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (!codes.includes(result.status)) {
    throw new Error(`\`${[command, ...args].join(' ')}\` in ${cwd} exited ${result.status} (expected ${codes.join(' or ')}):\n${result.stderr}${result.stdout}`.trimEnd());
  }
  return ms;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * `subject` and `reference` timed in `runs` pairs (order alternating) after one warm-up each:
 * their medians and the median of the pairs' ratios.
 */
function paired(subject, reference, cwd, runs = RUNS) {
  once(subject, cwd);
  once(reference, cwd);
  const s = [];
  const r = [];
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      r.push(once(reference, cwd));
      s.push(once(subject, cwd));
    } else {
      s.push(once(subject, cwd));
      r.push(once(reference, cwd));
    }
  }
  return { subject: median(s), reference: median(r), ratio: median(s.map((x, i) => x / r[i])) };
}

/** Peak resident memory (MiB) of one run of a node command, read by a preload at exit. */
function peakMemory(args, cwd) {
  const file = path.join(os.tmpdir(), `bench-rss-${process.pid}-${Date.now()}`);
  const preload = path.join(cwd, '.bench-rss.js');
  fs.writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(file)}, String(process.resourceUsage().maxRSS)));\n`);
  try {
    once(cmd(process.execPath, ['--require', preload, ...args]), cwd);
    return Number(fs.readFileSync(file, 'utf8')) / 1024;
  } finally {
    fs.rmSync(file, { force: true });
    fs.rmSync(preload, { force: true });
  }
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
  return repo;
}

/** Commits a one-line change in the worktree: staging's xcresult-processor tag. */
function commitOneLineChange(repo) {
  const file = path.join(repo, 'src', 'config', 'environments', 'staging.ts');
  const text = fs.readFileSync(file, 'utf8');
  const line = /^(\s*image: \{ repository: '[^']*xcresult-processor', tag: ')([^']*)(' \},)$/m;
  if (!line.test(text)) throw new Error(`bench: no xcresult-processor image line in ${file}; update commitOneLineChange.`);
  // A valid pinned tag (a release of the rules' own forms), so the change synthesizes.
  fs.writeFileSync(file, text.replace(line, '$10.0.0-bench.1$3'));
  git(['-c', 'user.name=bench', '-c', 'user.email=bench@localhost', 'commit', '--quiet', '--no-verify', '-am', 'bench: one-line change'], repo);
}

const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const times = (x) => `${x.toFixed(2)}×`;

function main() {
  const commit = git(['rev-parse', '--short', `${values.ref}^{commit}`]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  const rows = [];
  const row = (measure, figure, target, met) => rows.push([measure, figure, target, met === undefined ? '' : met ? 'pass' : 'FAIL']);
  let repo;
  const started = Date.now();
  const load = os.loadavg()[0];
  try {
    repo = prepareWorktree(dir, commit);
    const node = process.execPath;
    const out = path.join(dir, 'out');
    const reference = cmd(node, ['-e', "require('cdk8s-plus-28')"]);

    const synth = paired(cmd(node, ['scripts/run.js', 'synth', '--out', out, '-q']), reference, repo);
    row('(a) node -e "require(\'cdk8s-plus-28\')" (the reference)', fmt(synth.reference), '', undefined);
    row('(b) node scripts/run.js synth (3 environments, checks included)', `${fmt(synth.subject)} = ${times(synth.ratio)} (a)`, '≤ 1.5× (a)', synth.ratio <= 1.5);
    const npmSynth = paired(cmd('npm', ['run', '-s', 'synth', '--', '--out', out, '-q']), reference, repo);
    row('(c) npm run synth', `${fmt(npmSynth.subject)} = ${times(npmSynth.ratio)} (a)`, '≤ 2× (a)', npmSynth.ratio <= 2);

    const many = (n) => cmd(node, ['bench/synth-many.js', String(n)]);
    const hundred = paired(many(100), many(3), repo);
    row('(d) synth of 100 generated environments vs 3', `${fmt(hundred.subject)} vs ${fmt(hundred.reference)} = ${times(hundred.ratio)}`, '≤ 2×', hundred.ratio <= 2);
    const threeHundred = paired(many(300), many(100), repo, Math.min(RUNS, 5));
    row('    300 vs 100 (linear)', `${fmt(threeHundred.subject)} vs ${fmt(threeHundred.reference)} = ${times(threeHundred.ratio)}`, '≤ 3.2×', threeHundred.ratio <= 3.2);

    const memory = peakMemory(['scripts/run.js', 'synth', '--out', out, '-q'], repo);
    row('(e) peak memory of node scripts/run.js synth', `${memory.toFixed(0)} MiB`, '≤ 100 MiB', memory <= 100);

    // Before the one-line change, which the snapshots would (rightly) reject.
    const tests = values['with-tests'] ? once(cmd('npm', ['test']), repo) : undefined;

    commitOneLineChange(repo);
    const diff = paired(cmd('npm', ['run', '-s', 'diff', '--', '--base', 'HEAD~1'], [3]), reference, repo);
    row('(f) npm run diff -- --base HEAD~1, one-line change, base rendering included', `${fmt(diff.subject)} = ${times(diff.ratio)} (a)`, '≤ 4× (a)', diff.ratio <= 4);
    if (tests !== undefined) row('(g) npm test (one run)', fmt(tests), '≤ 30 s', tests <= 30000);
  } finally {
    if (repo !== undefined) git(['worktree', 'remove', '--force', repo]);
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const table = [['measure', 'figure (median)', 'target', 'result'], ...rows];
  const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
  console.log(`${values.ref} (${commit}): ${RUNS} paired runs each, ${os.cpus().length} CPUs, node ${process.version}, load average ${load.toFixed(1)} → ${os.loadavg()[0].toFixed(1)}, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  for (const r of table) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
  if (values.strict && rows.some((r) => r[3] === 'FAIL')) process.exitCode = 1;
}

main();
