/**
 * Scaffolding an environment from an existing one (`npm run new-environment`): the copy's
 * file with every identifier the source owns renamed, its entry in the registry, its Pulumi
 * stack file. The plan is computed and validated (by synth's own rules, beside every existing
 * environment) before anything is written; nothing outside the repository is touched.
 *
 * What gets renamed is derived, not listed: the fields `environmentIdentifiers` reads (found by
 * probing each field), plus any other string that names the source environment as a whole
 * segment (the fleet) and still validates when renamed; a rollout stage or a tailnet name
 * does not, so it stays.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { UserError } from '../errors/user-error';
import { TART_NODE, environmentIdentifiers, objectNames } from '../config/names';
import { REGISTRY_FILE, environmentFile } from '../config/registry';
import { DNS_LABEL_RULE, isDnsLabel } from '../config/syntax';
import type { TailnetConfig } from '../config/tailnets';
import type { EnvironmentConfig } from '../config/types';
import { formatProblem, validateEnvironments } from '../config/validate';
import { type TextEdit, applyEdits, findEnvironmentDeclaration, replaceLiteral, stringLiterals, unwrap } from './literal-paths';

export interface NewEnvironmentRequest {
  /** Repository root. */
  readonly root: string;
  readonly name: string;
  readonly from: string;
  readonly environments: readonly EnvironmentConfig[];
  readonly tailnets: readonly TailnetConfig[];
}

export interface Rename {
  readonly path: string;
  readonly before: string;
  readonly after: string;
  /** What the value is (`environmentIdentifiers`), or 'names the environment'. */
  readonly kind: string;
}

export interface NewEnvironmentPlan {
  readonly environment: EnvironmentConfig;
  readonly source: EnvironmentConfig;
  readonly renames: readonly Rename[];
  /** Files to create (relative path → text) and the registry's new text. */
  readonly created: ReadonlyMap<string, string>;
  readonly registry: { readonly file: string; readonly text: string };
}

/** Path segments of `a.b[0].c`. */
/** A field path's segments: `a.b`, `a[0]`, and `a["key.with/dots"]` for a record key that is not a plain name. */
function segments(fieldPath: string): (string | number)[] {
  return [...fieldPath.matchAll(/\["((?:[^"\\]|\\.)*)"\]|\[(\d+)\]|([^.[\]]+)/g)]
    .map(([, quoted, index, name]) => (quoted !== undefined ? JSON.parse(`"${quoted}"`) as string : index !== undefined ? Number(index) : name!));
}

/** `prefix.key`, or `prefix["key"]` when the key is not a plain name (a label key, say). */
function childPath(prefix: string, key: string): string {
  if (!/^[A-Za-z_$][\w$-]*$/.test(key)) return `${prefix}[${JSON.stringify(key)}]`;
  return prefix === '' ? key : `${prefix}.${key}`;
}

function setAt(object: unknown, fieldPath: string, value: string): void {
  const parts = segments(fieldPath);
  const parent = parts.slice(0, -1).reduce<any>((o, s) => o[s], object);
  parent[parts.at(-1)!] = value;
}

function stringLeaves(value: unknown, prefix = ''): [string, string][] {
  if (typeof value === 'string') return [[prefix, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringLeaves(v, `${prefix}[${i}]`));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => stringLeaves(v, childPath(prefix, k)));
  return [];
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The environment's name as a whole segment, so "tuist-env-1" does not match "env-10". */
const segmentOf = (name: string): RegExp => new RegExp(`(^|[^a-z0-9])${escape(name)}(?=[^a-z0-9]|$)`, 'g');

/** `value` with `from` replaced by `to` as a whole segment; an identifier that does not name the environment gets `-<to>`. */
export function renameValue(value: string, from: string, to: string): string {
  const renamed = value.replace(segmentOf(from), `$1${to}`);
  return renamed !== value ? renamed : `${value}-${to}`;
}

/** `qa` → `qa`, `eu-west-2` → `euWest2`: the exported constant's name. */
export function constantName(environment: string): string {
  const camel = environment.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  return /^[0-9]/.test(camel) ? `env${camel}` : camel;
}

/** Which string fields of `env` are identifiers it owns: changing the field changes `environmentIdentifiers`. */
function identifierPaths(env: EnvironmentConfig): Map<string, string> {
  const found = new Map<string, string>();
  const marker = 'zz-probe-marker-zz';
  for (const [fieldPath] of stringLeaves(env)) {
    const probe = structuredClone(env);
    setAt(probe, fieldPath, marker);
    for (const [identifier, kind] of environmentIdentifiers(probe)) if (identifier.includes(marker)) found.set(fieldPath, kind);
  }
  return found;
}

export function planNewEnvironment(request: NewEnvironmentRequest): NewEnvironmentPlan {
  const { root, name, environments, tailnets } = request;
  const names = environments.map((e) => e.name);
  const source = environments.find((e) => e.name === request.from);
  if (source === undefined) throw new UserError(`--from ${JSON.stringify(request.from)} is not an environment; known: ${names.join(', ')}.`, 2);
  if (!isDnsLabel(name)) throw new UserError(`${JSON.stringify(name)} is not ${DNS_LABEL_RULE}; an environment's name is the suffix of its namespace, tags and hostnames. Fix: choose e.g. "qa" or "eu-west".`, 2);
  const file = environmentFile(name);
  const stackFile = `Pulumi.${name}.yaml`;
  if (names.includes(name)) throw new UserError(`environment "${name}" already exists (${environmentFile(name)}). Fix: choose another name.`, 2);
  for (const existing of [file, stackFile]) {
    if (fs.existsSync(path.join(root, existing))) throw new UserError(`${existing} already exists, though no environment "${name}" is registered. Fix: remove it, or register it in ${REGISTRY_FILE}.`, 2);
  }
  const constant = constantName(name);

  // The renamed configuration, built and validated in memory first.
  const environment = structuredClone(source) as EnvironmentConfig;
  const renames: Rename[] = [];
  for (const [fieldPath, kind] of identifierPaths(source)) {
    const before = stringLeaves(source).find(([p]) => p === fieldPath)![1];
    const after = fieldPath === 'name' ? name : renameValue(before, source.name, name);
    setAt(environment, fieldPath, after);
    renames.push({ path: fieldPath, before, after, kind });
  }
  const others = environments;
  const problemsAt = (candidate: EnvironmentConfig, fieldPath: string): boolean =>
    validateEnvironments([...others, candidate], tailnets).some((p) => p.environment === name && p.path === fieldPath);
  for (const [fieldPath, before] of stringLeaves(source)) {
    if (renames.some((r) => r.path === fieldPath) || !segmentOf(source.name).test(before)) continue;
    const candidate = structuredClone(environment);
    const after = before.replace(segmentOf(source.name), `$1${name}`);
    setAt(candidate, fieldPath, after);
    // A stage, a tailnet's name: renaming makes them invalid, so they are the source's choice to keep.
    if (problemsAt(candidate, fieldPath)) continue;
    setAt(environment, fieldPath, after);
    renames.push({ path: fieldPath, before, after, kind: 'names the environment' });
  }
  const problems = validateEnvironments([...others, environment], tailnets);
  if (problems.length > 0) {
    throw new UserError(`the copy of "${source.name}" would not be valid, so nothing was written:\n${problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`);
  }

  // The file: the source's text with exactly those literals replaced, and the constant renamed.
  const sourceFile = environmentFile(source.name);
  const sourceText = readOrRefuse(root, sourceFile);
  const parsed = ts.createSourceFile(sourceFile, sourceText, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const declarations = findEnvironmentDeclaration(parsed, source.name);
  if (declarations.length !== 1) throw new UserError(`${sourceFile}: expected one top-level object literal with name: '${source.name}', found ${declarations.length}; new-environment copies such a file.`);
  const { declaration, literal } = declarations[0]!;
  const literals = stringLiterals(literal);
  const edits: TextEdit[] = [];
  for (const rename of renames) {
    const node = literals.get(rename.path);
    if (node === undefined || node.text !== rename.before) {
      throw new UserError(`${sourceFile}: ${rename.path} (${JSON.stringify(rename.before)}) is not written as a string literal in the environment's object, so new-environment cannot rename it; nothing was written. Fix: write it out in the literal.`);
    }
    edits.push(replaceLiteral(parsed, node, rename.after));
  }
  if (ts.isIdentifier(declaration.name)) edits.push({ start: declaration.name.getStart(parsed), end: declaration.name.end, text: constant });
  const created = new Map<string, string>([[file, applyEdits(sourceText, edits)]]);

  // The stack file, in the source's shape: its name and every value naming the source renamed.
  const sourceStack = `Pulumi.${source.name}.yaml`;
  if (fs.existsSync(path.join(root, sourceStack))) created.set(stackFile, fs.readFileSync(path.join(root, sourceStack), 'utf8').replace(segmentOf(source.name), `$1${name}`));

  return { environment, source, renames, created, registry: { file: REGISTRY_FILE, text: registerEnvironment(readOrRefuse(root, REGISTRY_FILE), name, constant) } };
}

function readOrRefuse(root: string, file: string): string {
  const absolute = path.join(root, file);
  if (!fs.existsSync(absolute)) throw new UserError(`${file} does not exist under ${root}; new-environment edits the repository's environment files.`);
  return fs.readFileSync(absolute, 'utf8');
}

/** The registry's text with `import { <constant> } from './<name>'` and the constant appended to ENVIRONMENTS. */
export function registerEnvironment(text: string, name: string, constant: string): string {
  const file = ts.createSourceFile(REGISTRY_FILE, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const imports = file.statements.filter(ts.isImportDeclaration);
  const specifier = (i: ts.ImportDeclaration): string => (i.moduleSpecifier as ts.StringLiteral).text;
  const local = imports.filter((i) => specifier(i).startsWith('./'));
  const before = local.find((i) => specifier(i) > `./${name}`);
  const importLine = `import { ${constant} } from './${name}';\n`;
  const edits: TextEdit[] = [before === undefined
    ? { start: (imports.at(-1)?.end ?? 0) + 1, end: (imports.at(-1)?.end ?? 0) + 1, text: importLine }
    : { start: before.getStart(file), end: before.getStart(file), text: importLine }];
  let array: ts.ArrayLiteralExpression | undefined;
  for (const statement of file.statements.filter(ts.isVariableStatement)) {
    for (const d of statement.declarationList.declarations) {
      if (ts.isIdentifier(d.name) && d.name.text === 'ENVIRONMENTS' && d.initializer !== undefined && ts.isArrayLiteralExpression(unwrap(d.initializer))) array = unwrap(d.initializer) as ts.ArrayLiteralExpression;
    }
  }
  if (array === undefined) throw new UserError(`${REGISTRY_FILE}: no \`export const ENVIRONMENTS = [ … ]\` array literal to register the environment in. Fix: keep the registry an array literal.`);
  const last = array.elements.at(-1);
  if (last === undefined) {
    edits.push({ start: array.getStart(file) + 1, end: array.getStart(file) + 1, text: constant });
  } else {
    const multiline = text.slice(array.elements[0]!.getFullStart(), last.end).includes('\n') || text.slice(array.getStart(file), array.elements[0]!.getStart(file)).includes('\n');
    const indent = multiline ? /\n([ \t]*)$/.exec(text.slice(0, last.getStart(file)))?.[1] ?? '  ' : '';
    edits.push({ start: last.end, end: last.end, text: multiline ? `,\n${indent}${constant}` : `, ${constant}` });
  }
  return applyEdits(text, edits);
}

/** Writes the plan: new files first, the registry last (one rename), all removed again on failure. */
export function writeNewEnvironment(root: string, plan: NewEnvironmentPlan): void {
  const written: string[] = [];
  try {
    for (const [file, text] of plan.created) {
      fs.writeFileSync(path.join(root, file), text, { flag: 'wx' });
      written.push(file);
    }
    const registry = path.join(root, plan.registry.file);
    const temporary = `${registry}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, plan.registry.text);
    fs.renameSync(temporary, registry);
  } catch (error) {
    for (const file of written) fs.rmSync(path.join(root, file), { force: true });
    throw error;
  }
}

/** What a person must still decide or create outside this repository, one item each. */
export function stillToDecide(plan: NewEnvironmentPlan): string[] {
  const { environment: env, source } = plan;
  const owned = [...environmentIdentifiers(env)];
  const tags = owned.filter(([, kind]) => kind === 'tag').map(([t]) => t);
  // The VM credential is minted by the stack (src/pulumi/minted-vm-credential.ts): no vault item for it.
  const vault = [env.processorSecrets.databasePassword];
  const stack = `Pulumi.${env.name}.yaml`;
  const kubeContext = /kubeContext:\s*(\S+)/.exec(plan.created.get(stack) ?? '')?.[1];
  return [
    `stage: "${env.stage}", copied from ${source.name}; the rules differ by stage (tag pinning, pooler instances). Change it in ${environmentFile(env.name)} if this environment is not a ${env.stage}.`,
    `cluster: the kube context of the cluster that holds namespace "${env.namespace}"${kubeContext === undefined ? '' : ` (${stack} guesses "${kubeContext}")`}; the cluster needs CNPG, ESO and its own Tailscale operator (tag ${env.tailnet.operatorTag}).`,
    `tailnet: "${env.tailnet.tailnet}", copied from ${source.name}. In its admin console, create the tags ${tags.join(', ')} (their owners come from the stack's policy fragment on \`pulumi up\`).`,
    `vault items to create: ${vault.map((r) => `${r.key} (property ${r.property})`).join(', ')}.`,
    `fleet hosts: ${env.xcresultProcessor.fleet.hosts} Mac mini(s), copied from ${source.name} (xcresultProcessor.fleet.hosts; one VM per host); label them ${TART_NODE.fleetKey}=${objectNames(env).fleet} and tag them ${env.tailnet.vmTag}.`,
    `Pulumi stack: \`pulumi stack init ${env.name}\`, then the stack config ${stack} does not hold (README "Deploying": tailnetId, the Tailscale client).`,
    `images: the tags are ${source.name}'s (${env.processor.image.tag}, ${env.xcresultProcessor.image.tag}); pin this environment's with \`npm run set-image\`.`,
  ];
}
