/** Compiling the CRDs of one YAML file into ajv validators, one per served version. */
import type { ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { type CelNode, celTree } from './cel-rules';
import { toJsonSchema } from './structural-schema';

export interface CrdVersion {
  readonly name: string;
  readonly served: boolean;
  /** The validator's name among the file's exports; absent when the version is not served. */
  readonly exportName?: string;
  /** The schema pruned to its CEL rules and validated formats; absent when it has none. */
  readonly cel?: CelNode;
}

/** What a file says about its CRDs, without the validators (cacheable as JSON). */
export interface CrdDescription {
  readonly group: string;
  readonly kind: string;
  readonly versions: readonly CrdVersion[];
}

export interface CompiledCrdFile {
  readonly crds: readonly CrdDescription[];
  readonly validators: Readonly<Record<string, ValidateFunction>>;
  /** The validators as one CommonJS module (ajv standalone code), for the cache. */
  readonly standalone: () => string;
}

interface CrdDocument {
  readonly kind?: string;
  readonly spec?: {
    readonly group?: string;
    readonly names?: { readonly kind?: string };
    readonly versions?: readonly { readonly name: string; readonly served?: boolean; readonly schema?: { readonly openAPIV3Schema?: Record<string, unknown> } }[];
  };
}

/** Throws on a file that is not YAML or holds a malformed CRD; other documents are ignored. */
export function compileCrdFile(text: string, file: string): CompiledCrdFile {
  // Loaded here, not on import: ajv takes 30 ms to load, and warm runs only read the cache.
  const { default: Ajv } = require('ajv') as typeof import('ajv');
  const { default: standaloneCode } = require('ajv/dist/standalone') as typeof import('ajv/dist/standalone');
  // Formats are checked with the CEL rules (cel-rules.ts), only those the API server validates.
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictTuples: false, strictRequired: false, validateFormats: false, code: { source: true } });
  const ids: Record<string, string> = {};
  const crds = parseAllDocuments(text).flatMap((doc): CrdDescription[] => {
    if (doc.errors.length > 0) throw new Error(`${file}: not valid YAML: ${doc.errors[0]!.message}`);
    const crd = doc.toJS() as CrdDocument | null;
    if (crd?.kind !== 'CustomResourceDefinition') return [];
    const group = crd.spec?.group;
    const kind = crd.spec?.names?.kind;
    if (group === undefined || kind === undefined) throw new Error(`${file}: a CustomResourceDefinition without spec.group or spec.names.kind.`);
    const versions = (crd.spec?.versions ?? []).map((version): CrdVersion => {
      const schema = version.schema?.openAPIV3Schema;
      if (version.served !== true || schema === undefined) return { name: version.name, served: version.served === true };
      const exportName = `v${Object.keys(ids).length}`;
      ids[exportName] = `crd:${group}/${kind}/${version.name}`;
      ajv.addSchema({ ...toJsonSchema(schema), $id: ids[exportName] });
      const cel = celTree(schema);
      return { name: version.name, served: true, exportName, ...(cel !== undefined && { cel }) };
    });
    return [{ group, kind, versions }];
  });
  const validators = Object.fromEntries(Object.entries(ids).map(([name, id]) => [name, ajv.getSchema(id)!]));
  return { crds, validators, standalone: () => standaloneCode(ajv, ids) };
}
