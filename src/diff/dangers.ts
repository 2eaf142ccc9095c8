/**
 * Changes to an object that Kubernetes rejects, or that do not do on the live cluster what
 * the manifest says. Each rule compares one object's two versions (not the field list), so it
 * sees a field however it changed: edited, removed with its parent, or moved.
 */
import { isDeepStrictEqual } from 'node:util';
import * as path from 'node:path';
import { exposureReason } from '../checks/admission/tailscale-operator';
import { repoRoot } from '../build-cache';
import { DEFAULT_CRDS_DIR, defaultCrdCacheDir } from '../checks/gate';
import { field } from '../checks/manifest/objects';
import { cachedEvaluator, verdictCacheDir } from '../checks/schema/cel-evaluator';
import { type CelNode, hasRules, transitionViolations } from '../checks/schema/cel-rules';
import { type CrdCatalog, crdKey, loadCrdCatalog } from '../checks/schema/crd-catalog';
import { apiGroupVersion, isCustomResource } from '../checks/schema/custom-resources';
import { TAILSCALE_ANNOTATIONS } from '../config/tailscale-operator';
import type { KubeObject } from '../synth/manifests';
import { redactTree } from './redact';
import type { Danger } from './report';

/** Annotations that put a Service on the tailnet (Tailscale Kubernetes operator). */
const TAILNET_EXPOSURE_ANNOTATIONS = Object.values(TAILSCALE_ANNOTATIONS);

/** Workload kinds whose `spec.selector` the API server refuses to change (apps/v1). */
const IMMUTABLE_SELECTOR_KINDS: ReadonlySet<string> = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

const UNEXPOSE_RUNBOOK = 'docs/runbooks/unexpose-pooler.md';
const RETAG_RUNBOOK = 'docs/runbooks/retag-pooler-proxy.md';

type Path = readonly string[];

const show = (value: unknown): string => JSON.stringify(redactTree(value)) ?? 'nothing';

/** Where an object's Service metadata and spec are: a Pooler's service template, or a Service's own. */
function servicePaths(object: KubeObject): { annotations: Path; spec: Path } | undefined {
  if (object.kind === 'Pooler') return { annotations: ['spec', 'serviceTemplate', 'metadata', 'annotations'], spec: ['spec', 'serviceTemplate', 'spec'] };
  if (object.kind === 'Service') return { annotations: ['metadata', 'annotations'], spec: ['spec'] };
  return undefined;
}

/**
 * The CRDs' transition rules (`x-kubernetes-validations` reading `oldSelf`, e.g. CNPG's
 * "cluster reference is immutable after creation"), from the CRD data derived into the
 * repository (loaded on the first custom resource that changes).
 */
const catalogs = new Map<string, CrdCatalog>();
function transitionTree(object: KubeObject): CelNode | undefined {
  if (!isCustomResource(object)) return undefined;
  const { group, version } = apiGroupVersion(object);
  const key = crdKey(group, object.kind);
  let catalog = catalogs.get(key);
  if (catalog === undefined) {
    catalog = loadCrdCatalog(path.resolve(repoRoot(), DEFAULT_CRDS_DIR), [{ group, kind: object.kind }], { cacheDir: defaultCrdCacheDir() });
    catalogs.set(key, catalog);
  }
  if (catalog.status !== 'loaded') return undefined;
  const tree = catalog.crds.get(key)?.cel(version);
  return hasRules(tree, true) ? tree : undefined;
}

function transitionDangers(scope: string, key: string, before: KubeObject, after: KubeObject): Danger[] {
  const tree = transitionTree(after);
  if (tree === undefined || before.apiVersion !== after.apiVersion) return [];
  const evaluator = cachedEvaluator(verdictCacheDir(defaultCrdCacheDir()));
  const violations = transitionViolations(tree, before, after, evaluator.evaluate);
  evaluator.flush();
  return violations.map((v) => ({
    kind: 'immutable-field' as const,
    scope,
    subject: key,
    message: `\`${v.path}\` changes from ${show(v.old)} to ${show(v.value)}; ${v.what.replace("the CRD's rule", "the CRD's transition rule")}, so the apply fails. Fix: keep \`${v.path}\`, or replace the ${after.kind} deliberately: create one with a new name, and remove the old one once nothing uses it.`,
  }));
}

/** Dangers of changing `before` into `after` (one object, same key, in environment `scope`). */
export function objectDangers(scope: string, key: string, before: KubeObject, after: KubeObject): Danger[] {
  const dangers: Danger[] = [];
  const immutable = (at: Path, why: string): void => {
    const b = field(before, ...at);
    const a = field(after, ...at);
    if (isDeepStrictEqual(b, a)) return;
    dangers.push({
      kind: 'immutable-field',
      scope,
      subject: key,
      message: `\`${at.join('.')}\` changes from ${show(b)} to ${show(a)}; ${why}`,
    });
  };

  if (IMMUTABLE_SELECTOR_KINDS.has(after.kind)) {
    immutable(['spec', 'selector'], `Kubernetes rejects any change to a ${after.kind}'s selector (immutable), so the apply fails. Fix: keep the selector (src/config/names.ts selectorLabels) or replace the ${after.kind} deliberately (delete, then create).`);
  }
  dangers.push(...transitionDangers(scope, key, before, after));

  // Same key, so same kind on both sides.
  const paths = servicePaths(after);
  if (paths !== undefined) {
    const b = (field(before, ...paths.annotations) ?? {}) as Record<string, unknown>;
    const a = (field(after, ...paths.annotations) ?? {}) as Record<string, unknown>;
    const bSpec = (field(before, ...paths.spec) ?? {}) as Record<string, unknown>;
    const aSpec = (field(after, ...paths.spec) ?? {}) as Record<string, unknown>;
    // CNPG copies the template's annotations onto the live Service, overwriting values but never
    // removing a key (internal/controller/pooler_update.go → utils.MergeObjectsMetadata, maps.Copy).
    const live = after.kind === 'Pooler' ? { ...b, ...a } : a;
    const tags = TAILSCALE_ANNOTATIONS.tags;
    // The operator applies a proxy's tags only when it first creates it (REFERENCE.md, "The live tailnet policy").
    if (b[tags] !== undefined && a[tags] !== undefined && b[tags] !== a[tags]) {
      dangers.push({
        kind: 'proxy-retag',
        scope,
        subject: key,
        message: `\`${tags}\` changes from ${show(b[tags])} to ${show(a[tags])}, but the Tailscale operator applies a proxy's tags only when it first creates the proxy, so the running proxy keeps its old tags (and the policy's grants to the new tags reach nothing). Fix: follow ${RETAG_RUNBOOK}: add the new tag to the operator's OAuth client, own it by the operator's tag in tagOwners, then recreate the proxy.`,
      });
    }
    const wasExposed = exposureReason(b, bSpec) !== undefined;
    if (wasExposed && exposureReason(a, aSpec) === undefined) {
      const lost = TAILNET_EXPOSURE_ANNOTATIONS.filter((name) => b[name] !== undefined && a[name] === undefined);
      const expose = TAILSCALE_ANNOTATIONS.expose;
      if (exposureReason(live, aSpec) !== undefined) {
        dangers.push({
          kind: 'exposure-removed',
          scope,
          subject: key,
          message: `removes ${lost.map((n) => `\`${n}\``).join(', ')}, but CloudNativePG only ever adds annotations to the live Service, so the pooler stays on the tailnet. Fix: follow ${UNEXPOSE_RUNBOOK} to take it off explicitly.`,
        });
      } else {
        const how = a[expose] !== undefined && a[expose] !== b[expose]
          ? `\`${expose}\` becomes ${JSON.stringify(a[expose])}: ${after.kind === 'Pooler' ? 'CloudNativePG overwrites the value on the live Service, and ' : ''}the Tailscale operator, which exposes a Service only while the value is exactly "true", removes its proxy`
          : 'the Service stops being one the Tailscale operator exposes, so it removes its proxy';
        dangers.push({
          kind: 'exposure-removed',
          scope,
          subject: key,
          message: `${how}: the pooler leaves the tailnet and its tailnet hostname stops answering, so the VMs lose the database. Fix: apply this only after the VMs no longer use the tailnet URL (${UNEXPOSE_RUNBOOK}, step 1).`,
        });
      }
    }
  }
  return dangers;
}
