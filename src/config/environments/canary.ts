import type { EnvironmentConfig } from '../types';

export const canary: EnvironmentConfig = {
  name: 'canary',
  stage: 'canary',
  namespace: 'tuist-canary',
  release: { fullname: 'tuist-tuist' },
  tailnet: {
    tailnet: 'tuist',
    operatorTag: 'tag:tuist-k8s-operator-canary',
    clusterTag: 'tag:tuist-k8s-canary',
    vmTag: 'tag:tuist-macmini-canary',
  },
  database: {
    name: 'tuist',
    processorRole: 'tuist_processor',
    maxConnections: 100,
    reservedConnections: 13,
  },
  pooler: {
    instances: 1,
    poolMode: 'transaction',
    parameters: {
      default_pool_size: '20',
      max_client_conn: '100',
    },
    tailnetExposure: {
      enabled: true,
      hostname: 'tuist-pg-pooler-canary',
      tags: ['tag:tuist-k8s-canary'],
    },
  },
  processorSecrets: {
    store: { kind: 'ClusterSecretStore', name: 'onepassword' },
    refreshInterval: '1h',
    databasePassword: { key: 'PROCESSOR_DATABASE_PASSWORD', property: 'password' },
  },
  vmCredential: {
    delivery: 'external-secret',
    kind: 'auth-key',
    store: { kind: 'ClusterSecretStore', name: 'onepassword' },
    remoteRef: { key: 'TAILSCALE', property: 'auth-key' },
    refreshInterval: '1h',
  },
  processor: {
    // The CI build tags (sha-<12 hex>) are to be confirmed against values-managed-canary.yaml (docs/kubernetes.md, "Unconfirmed").
    image: { repository: 'ghcr.io/tuist/tuist', tag: 'sha-8b41e07c5d92' },
    replicas: 1,
    resources: {
      requests: { cpu: '250m', memory: '512Mi' },
      limits: { cpu: '1', memory: '1Gi' },
    },
    rollout: { maxSurge: 0, maxUnavailable: 1 },
    scheduling: { nodeSelector: {}, hostnameSpread: 'ScheduleAnyway' },
    podDisruptionBudget: { enabled: false },
    terminationGracePeriodSeconds: 1260,
    tmpSizeLimit: '16Gi',
  },
  xcresultProcessor: {
    image: { repository: 'ghcr.io/tuist/tuist-xcresult-processor', tag: '0.12.3' },
    replicas: 1,
    resources: {
      requests: { cpu: '1000m', memory: '2Gi' },
      limits: { cpu: '3000m', memory: '4Gi' },
    },
    fleet: { hosts: 1 },
    rollout: 'recreate',
    databaseUrlSecretKey: 'xcresult-processor-database-url',
    tailnetJoin: true,
    podDisruptionBudget: { enabled: false },
    terminationGracePeriodSeconds: 300,
  },
  policy: {
    extraClusterPorts: [],
  },
};
