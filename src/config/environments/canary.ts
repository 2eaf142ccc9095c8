import type { EnvironmentConfig } from '../types';
import { CLUSTER_TO_VM_PORTS, VM_TO_CLUSTER_PORTS } from './tailnet-ports';

export const canary: EnvironmentConfig = {
  name: 'canary',
  stage: 'canary',
  namespace: 'tuist-canary',
  tailnet: {
    tailnet: 'tuist',
    operatorTag: 'tag:tuist-k8s-canary',
    clusterTag: 'tag:tuist-k8s-canary',
    vmTag: 'tag:tuist-macmini-canary',
  },
  database: {
    clusterName: 'tuist-pg',
    name: 'tuist',
    processorRole: 'tuist_processor',
  },
  pooler: {
    name: 'tuist-pg-pooler-rw',
    instances: 2,
    poolMode: 'transaction',
    parameters: {
      default_pool_size: '20',
      max_client_conn: '100',
    },
    tailnetExposure: {
      enabled: true,
      hostname: 'tuist-pg-pooler-canary',
      tags: ['tag:tuist-pg-pooler-canary'],
    },
  },
  processorSecrets: {
    store: { kind: 'ClusterSecretStore', name: 'onepassword' },
    refreshInterval: '1h',
    databasePassword: { key: 'tuist-canary-postgres', property: 'tuist_processor_password' },
  },
  vmCredential: {
    delivery: 'external-secret',
    kind: 'auth-key',
    store: { kind: 'ClusterSecretStore', name: 'onepassword' },
    remoteRef: { key: 'tuist-canary-macos-fleet', property: 'tailscale_auth_key' },
    refreshInterval: '1h',
  },
  processor: {
    image: { repository: 'ghcr.io/tuist/tuist', tag: '4.112.0' },
    replicas: 1,
    resources: {
      requests: { cpu: '250m', memory: '512Mi' },
      limits: { cpu: '1000m', memory: '1Gi' },
    },
    podDisruptionBudget: { enabled: false },
  },
  xcresultProcessor: {
    image: { repository: 'ghcr.io/tuist/xcresult-processor', tag: '4.112.0' },
    replicas: 1,
    resources: {
      requests: { cpu: '1000m', memory: '2Gi' },
      limits: { cpu: '3000m', memory: '4Gi' },
    },
    fleet: 'canary',
    rollout: 'no-surge',
    databaseUrlSecretKey: 'xcresult-processor-database-url',
    tailnetJoin: true,
    podDisruptionBudget: { enabled: false },
  },
  policy: {
    vmToCluster: VM_TO_CLUSTER_PORTS,
    clusterToVm: CLUSTER_TO_VM_PORTS,
  },
};
