/**
 * `npm run policy:import -- <exported.hujson> [--tailnet <name>] [--out <file>]`: imports the
 * people-owned part of a tailnet's policy from a policy file exported from the admin console.
 * It keeps every entry no environment's fragment says (src/tailnet/people.ts) and writes it to
 * the committed snapshot `src/config/tailnet-people/<tailnet>.hujson` (or `--out`), which
 * offline runs compose and prove the policy against. It prints what the fragments take over
 * and every explicit access of a taken-over rule that the fragments no longer grant.
 * Exit codes: 0 ok; 1 unreadable file or invalid configuration; 2 usage error.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModel } from '../config/load';
import { basePolicyFragment, environmentPolicyFragment } from '../tailnet/fragments';
import { peopleSnapshotFile, renderPeopleSnapshot, repositoryRoot, splitPeopleOwned } from '../tailnet/people';
import { parsePolicyHujson } from '../tailnet/render';
import type { CliContext } from './context';
import { defaultContext } from './context';
import { defineCommand, parseCommandLine } from './support/command';
import { UserError } from '../errors/user-error';

/** A failure the user can fix: printed without a stack by scripts/run.js. */
class ImportError extends UserError {}

export const COMMAND = defineCommand({
  name: 'policy:import',
  usage: 'npm run policy:import -- <exported.hujson> [--tailnet <name>] [--out <file>]',
  description: "Imports the people-owned part of a tailnet's policy from a policy file exported from the admin console: every entry no environment's fragment says, written to the committed snapshot src/config/tailnet-people/<tailnet>.hujson (or --out), which offline runs compose and prove the policy against. Prints what the fragments take over and every explicit access they no longer grant.",
  positionals: '<exported.hujson>: the policy file exported from the admin console (Access controls → Download)',
  options: {
    tailnet: { type: 'string', value: '<name>', description: 'the tailnet (needed when several have environments)' },
    out: { type: 'string', value: '<file>', description: 'write here instead of the committed snapshot' },
  },
  exitCodes: { 0: 'imported', 1: 'unreadable file or invalid configuration', 2: 'usage error' },
});

export function main(argv: readonly string[], context: CliContext = defaultContext()): number {
  const line = parseCommandLine(COMMAND, argv, context);
  if (line === undefined) return 0;
  const { values, positionals } = line;
  if (positionals.length !== 1) {
    context.stderr('policy:import: give one policy file exported from the admin console, e.g. `npm run policy:import -- ~/Downloads/policy.hujson`.');
    return 2;
  }
  const model = loadModel(context.environments, context.tailnets);
  const used = model.tailnets.filter((t) => model.environments.some((e) => e.tailnet.tailnet === t.name));
  const tailnet = values.tailnet === undefined ? (used.length === 1 ? used[0] : undefined) : model.tailnets.find((t) => t.name === values.tailnet);
  if (tailnet === undefined) {
    context.stderr(`policy:import: ${values.tailnet === undefined ? 'several tailnets have environments; name one with --tailnet' : `no tailnet "${values.tailnet}"`}; known: ${used.map((t) => t.name).join(', ')}.`);
    return 2;
  }
  const source = positionals[0]!;
  if (!fs.existsSync(source)) throw new ImportError(`${source} does not exist. Fix: export the policy from the admin console (Access controls → Download) and give its path.`);
  const live = parsePolicyHujson(fs.readFileSync(source, 'utf8'), source);
  if (live === null || typeof live !== 'object' || Array.isArray(live)) throw new ImportError(`${source} holds no policy document (no top-level object).`);
  const environments = model.environments.filter((e) => e.tailnet.tailnet === tailnet.name);
  const fragments = [basePolicyFragment(tailnet, environments), ...environments.map((e) => environmentPolicyFragment(e, tailnet))];
  const { people, takenOver, lost } = splitPeopleOwned(live, fragments);
  const out = values.out ?? peopleSnapshotFile(tailnet.name);
  const shown = path.relative(repositoryRoot(), path.resolve(source)).startsWith('..') ? path.basename(source) : path.relative(repositoryRoot(), path.resolve(source));
  // Written whole, through a temporary file: never half a snapshot.
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(`${out}.tmp`, renderPeopleSnapshot(tailnet.name, people, shown));
  fs.renameSync(`${out}.tmp`, out);
  const kept = Object.entries(people).map(([section, value]) => `${section} ${Array.isArray(value) ? value.length : value !== null && typeof value === 'object' ? Object.keys(value).length : 1}`);
  context.stdout([
    `policy:import: wrote ${path.relative(process.cwd(), out) || out}: the people-owned part of tailnet "${tailnet.name}" (${kept.join(', ')}).`,
    ...(takenOver.length === 0 ? [] : [`Taken over by the environments' fragments (${takenOver.length}):`, ...takenOver.map((t) => `  - ${t.path} → environment ${t.owner}: ${JSON.stringify(t.entry)}`)]),
    ...(lost.length === 0 ? [] : [`Explicit access the fragments no longer grant (${lost.length}); add it to the environment's configuration if it is still needed:`, ...lost.map((l) => `  - ${l.path}: ${l.src} → ${l.dst} on ${l.port}`)]),
  ].join('\n'));
  return 0;
}
