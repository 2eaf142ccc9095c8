/**
 * Changes to an object that Kubernetes rejects, or that do not do on the live cluster what
 * the manifest says. Each rule compares one object's two versions (not the field list), so it
 * sees a field however it changed: edited, removed with its parent, or moved.
 */
import { TAILSCALE_ANNOTATIONS } from '../config/tailscale-operator';
import { isDeepStrictEqual } from 'node:util';
import { field } from '../checks/manifest/objects';
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

/** Where an object's Service annotations are: a Pooler's service template, or a Service's own. */
function serviceAnnotationsPath(object: KubeObject): Path | undefined {
  if (object.kind === 'Pooler') return ['spec', 'serviceTemplate', 'metadata', 'annotations'];
  if (object.kind === 'Service') return ['metadata', 'annotations'];
  return undefined;
}

/** Dangers of changing `before` into `after` (one object, same key, in environment `scope`). */
export function objectDangers(scope: string, key: string, before: KubeObject, after: KubeObject): Danger[] {
  const dangers: Danger[] = [];
  const immutable = (path: Path, why: string): void => {
    const b = field(before, ...path);
    const a = field(after, ...path);
    if (isDeepStrictEqual(b, a)) return;
    dangers.push({
      kind: 'immutable-field',
      scope,
      subject: key,
      message: `\`${path.join('.')}\` changes from ${show(b)} to ${show(a)}; ${why}`,
    });
  };

  if (IMMUTABLE_SELECTOR_KINDS.has(after.kind)) {
    immutable(['spec', 'selector'], `Kubernetes rejects any change to a ${after.kind}'s selector (immutable), so the apply fails. Fix: keep the selector (src/config/names.ts selectorLabels) or replace the ${after.kind} deliberately (delete, then create).`);
  }
  if (after.kind === 'Pooler') {
    immutable(['spec', 'cluster'], 'CloudNativePG rejects changing the cluster a Pooler fronts (immutable). Fix: keep spec.cluster, or create a Pooler with a new name and remove the old one after the clients moved.');
  }

  // Same key, so same kind on both sides.
  const annotations = serviceAnnotationsPath(after);
  if (annotations !== undefined) {
    const b = (field(before, ...annotations) ?? {}) as Record<string, unknown>;
    const a = (field(after, ...annotations) ?? {}) as Record<string, unknown>;
    const lost = TAILNET_EXPOSURE_ANNOTATIONS.filter((name) => b[name] !== undefined && a[name] === undefined);
    const expose = TAILSCALE_ANNOTATIONS.expose;
    const unexposed = b[expose] === 'true' && a[expose] !== undefined && a[expose] !== 'true';
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
    if (lost.length > 0 || unexposed) {
      dangers.push({
        kind: 'exposure-removed',
        scope,
        subject: key,
        message: `${lost.length > 0 ? `removes ${lost.map((n) => `\`${n}\``).join(', ')}` : '`tailscale.com/expose` stops being "true"'}, but CloudNativePG only ever adds annotations to the live Service, so the pooler stays on the tailnet. Fix: follow ${UNEXPOSE_RUNBOOK} to take it off explicitly.`,
      });
    }
  }
  return dangers;
}
