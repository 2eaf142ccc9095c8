/** Building blocks shared by the processor Deployments. */
// The generated Kubernetes API alone: the rest of cdk8s-plus (its L2 constructs) is unused and costs load time.
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import type { Resources } from '../config/types';

export function resourceRequirements(resources: Resources): k8s.ResourceRequirements {
  return {
    requests: {
      cpu: k8s.Quantity.fromString(resources.requests.cpu),
      memory: k8s.Quantity.fromString(resources.requests.memory),
    },
    limits: {
      cpu: k8s.Quantity.fromString(resources.limits.cpu),
      memory: k8s.Quantity.fromString(resources.limits.memory),
    },
  };
}

export function prometheusScrapeAnnotations(port: number): Record<string, string> {
  return {
    'prometheus.io/scrape': 'true',
    'prometheus.io/port': String(port),
    'prometheus.io/path': '/metrics',
  };
}

export function literalEnv(name: string, value: string): k8s.EnvVar {
  return { name, value };
}

/** An env var from a key of a Secret: how every credential reaches a container. */
export function secretEnv(name: string, secretName: string, key: string): k8s.EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: secretName, key } } };
}

/** An env var from the Downward API, e.g. `metadata.name`. */
export function fieldEnv(name: string, fieldPath: string): k8s.EnvVar {
  return { name, valueFrom: { fieldRef: { fieldPath } } };
}
