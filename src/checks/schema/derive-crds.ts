/**
 * The CRD data the checks and tests need, derived into the repository by `npm run import` from
 * the CRDs cdk8s.yaml imports (`../shared/crds`, the releases the cluster runs), so a clone
 * without `../shared` still validates. Each derived file is the CRD with what validates
 * nothing left out (descriptions; status subresources and printer columns): groups, names,
 * served versions and their `openAPIV3Schema` with every `x-kubernetes-*` keyword, including
 * the CEL rules (`x-kubernetes-validations`). Never edit them by hand: change the CRD and run
 * `npm run import`; a test proves they are fresh.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

/** Where the derived CRDs live, relative to the repository root. */
export const DERIVED_CRDS_DIR = 'imports/crd-schemas';
/** Says which file (and which content of it) a derived CRD came from. */
export const DERIVED_FROM_ANNOTATION = 'tuist.dev/derived-from';

type Schema = Record<string, unknown>;

/** A structural schema without descriptions; property names (even "description") are kept. */
export function withoutDescriptions(schema: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'description') continue;
    if ((key === 'properties' || key === 'patternProperties') && value !== null && typeof value === 'object') {
      out[key] = Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([name, child]) => [name, withoutDescriptions(child)]));
    } else if ((key === 'additionalProperties' || key === 'items' || key === 'not') && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      out[key] = withoutDescriptions(value as Schema);
    } else if ((key === 'allOf' || key === 'anyOf' || key === 'oneOf') && Array.isArray(value)) {
      out[key] = value.map((branch: Schema) => withoutDescriptions(branch));
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** One import of cdk8s.yaml: `name:=path` (or a bare path), the path relative to the repository. */
export interface CrdImport {
  readonly name: string;
  readonly source: string;
}

export function crdImports(root: string): CrdImport[] {
  const config = parse(fs.readFileSync(path.join(root, 'cdk8s.yaml'), 'utf8')) as { imports?: string[] };
  return (config.imports ?? []).map((entry) => {
    const separator = entry.indexOf(':=');
    return separator === -1 ? { name: path.basename(entry).replace(/\.ya?ml$/, ''), source: entry } : { name: entry.slice(0, separator), source: entry.slice(separator + 2) };
  });
}

/** The directory all imports share (`../shared/crds`): derived files mirror their paths below it. */
export function crdSourceRoot(imports: readonly CrdImport[]): string {
  const dirs = imports.map((i) => path.dirname(i.source));
  if (dirs.length === 0) return '.';
  let common = dirs[0]!.split('/');
  for (const dir of dirs.slice(1)) {
    const parts = dir.split('/');
    let n = 0;
    while (n < common.length && common[n] === parts[n]) n += 1;
    common = common.slice(0, n);
  }
  return common.join('/');
}

interface CrdDocument {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string };
  spec?: {
    group?: string;
    names?: Record<string, unknown>;
    scope?: string;
    versions?: { name: string; served?: boolean; storage?: boolean; deprecated?: boolean; schema?: { openAPIV3Schema?: Schema } }[];
  };
}

/** The derived text of one CRD file (deterministic: the same input gives the same bytes). */
export function deriveCrdFile(text: string, source: string): string {
  const crds = parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${source}: not valid YAML: ${doc.errors[0]!.message}`);
    const crd = doc.toJS() as CrdDocument | null;
    if (crd?.kind !== 'CustomResourceDefinition') return [];
    return [{
      apiVersion: crd.apiVersion,
      kind: crd.kind,
      metadata: { name: crd.metadata?.name },
      spec: {
        group: crd.spec?.group,
        names: crd.spec?.names,
        scope: crd.spec?.scope,
        versions: (crd.spec?.versions ?? []).map((v) => ({
          name: v.name,
          served: v.served === true,
          storage: v.storage === true,
          ...(v.deprecated === true && { deprecated: true }),
          ...(v.schema?.openAPIV3Schema !== undefined && { schema: { openAPIV3Schema: withoutDescriptions(v.schema.openAPIV3Schema) } }),
        })),
      },
    }];
  });
  if (crds.length !== 1) throw new Error(`${source}: ${crds.length} CustomResourceDefinitions in the file; cdk8s.yaml imports one per file.`);
  const sha256 = createHash('sha256').update(text).digest('hex');
  const [crd] = crds;
  const derived = {
    ...crd,
    metadata: { ...crd!.metadata, annotations: { [DERIVED_FROM_ANNOTATION]: `${source} sha256:${sha256} (npm run import; do not edit)` } },
  };
  return `${JSON.stringify(derived, null, 1)}\n`;
}

/** The derived file's path (below DERIVED_CRDS_DIR) for an import. */
export function derivedPath(source: string, sourceRoot: string): string {
  return path.posix.relative(sourceRoot, source).replace(/\.ya?ml$/, '.json');
}

/** Every derived file's content by its path below DERIVED_CRDS_DIR; throws when a source is missing. */
export function deriveAll(root: string): Map<string, string> {
  const imports = crdImports(root);
  const sourceRoot = crdSourceRoot(imports);
  const out = new Map<string, string>();
  for (const { source } of imports) {
    const file = path.resolve(root, source);
    if (!fs.existsSync(file)) throw Object.assign(new Error(`${source} (cdk8s.yaml imports) does not exist; fetch the CRDs as docs/crds.md says.`), { userFacing: true });
    out.set(derivedPath(source, sourceRoot), deriveCrdFile(fs.readFileSync(file, 'utf8'), source));
  }
  return out;
}
