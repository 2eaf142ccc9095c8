/**
 * What the first `pulumi up` changes on the objects of the Helm release it adopts: our
 * rendered objects against the release's (normalized), field by field, matched by
 * Kind/namespace/name, redacted and with the dangers of the pull request diff (src/diff), so
 * the team reviews the takeover like any change.
 */
import { diffTrees } from '../diff/diff-trees';
import type { DiffReport } from '../diff/report';
import type { EnvironmentConfig } from '../config/types';
import { type KubeObject, objectKey } from '../synth/manifests';
import type { FileTree } from '../synth/output-tree';
import { manifestFileName, renderYaml } from '../synth/render';
import { type LiveObject, TakeoverInputError } from './live-objects';

export interface TakeoverComparison {
  /** Live → ours, in the pull request diff's terms: "added" objects are created, "removed" ones are left to the release. */
  readonly report: DiffReport;
  /** Helm's labels and annotations dropped from the live objects (the known difference), per object key. */
  readonly helmMetadata: ReadonlyMap<string, readonly string[]>;
  /** Live objects in no namespace of a compared environment: not compared, listed. */
  readonly ignored: readonly string[];
}

function tree(byEnvironment: ReadonlyMap<string, readonly KubeObject[]>): FileTree {
  const files = new Map<string, string>();
  for (const [environment, objects] of byEnvironment) {
    for (const object of objects) {
      let file = `${environment}/${manifestFileName(object)}`;
      // Two live objects of one kind and name (another namespace) must not overwrite each other.
      for (let n = 2; files.has(file); n++) file = `${environment}/${n}-${manifestFileName(object)}`;
      files.set(file, renderYaml(object));
    }
  }
  return files;
}

/**
 * Compares `ours` (each environment's rendered objects) with the live objects. A live object
 * with no namespace (as `helm template` without `--namespace` prints them) belongs to the one
 * environment compared, and is refused when there are several.
 */
export function compareTakeover(ours: readonly { environment: EnvironmentConfig; objects: readonly KubeObject[] }[], live: readonly LiveObject[]): TakeoverComparison {
  const byNamespace = new Map(ours.map((o) => [o.environment.namespace, o.environment.name]));
  const liveByEnvironment = new Map<string, KubeObject[]>(ours.map((o) => [o.environment.name, []]));
  const helmMetadata = new Map<string, readonly string[]>();
  const ignored: string[] = [];
  for (const { file, object, helmMetadata: dropped } of live) {
    let namespace = object.metadata.namespace;
    if (namespace === undefined) {
      if (ours.length !== 1) throw new TakeoverInputError(`${file}: ${object.kind} ${object.metadata.name} names no namespace, so it matches no environment. Fix: render with \`helm template --namespace <ns>\`, or pass --env.`);
      namespace = ours[0]!.environment.namespace;
    }
    const environment = byNamespace.get(namespace);
    const placed = { ...object, metadata: { ...object.metadata, namespace } } as KubeObject;
    if (environment === undefined) {
      ignored.push(`${objectKey(placed)} (${file})`);
      continue;
    }
    liveByEnvironment.get(environment)!.push(placed);
    if (dropped.length > 0) helmMetadata.set(objectKey(placed), dropped);
  }
  const oursByEnvironment = new Map(ours.map((o) => [o.environment.name, o.objects]));
  return { report: diffTrees(tree(liveByEnvironment), tree(oursByEnvironment)), helmMetadata, ignored };
}
