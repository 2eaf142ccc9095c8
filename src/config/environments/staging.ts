import type { EnvironmentConfig } from '../types';

export const staging: EnvironmentConfig = {
  name: 'staging',
  stage: 'staging',
  namespace: 'tuist-staging',
  release: { fullname: 'tuist-tuist' },
  tailnet: {
    tailnet: 'tuist-staging',
    operatorTag: 'tag:tuist-k8s-operator-staging',
    clusterTag: 'tag:tuist-k8s-staging',
    vmTag: 'tag:tuist-macmini-staging',
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
      hostname: 'tuist-pg-pooler-staging',
      tags: ['tag:tuist-k8s-staging'],
    },
  },
  processorSecrets: {
    store: { kind: 'ClusterSecretStore', name: 'onepassword' },
    refreshInterval: '1h',
    databasePassword: { key: 'PROCESSOR_DATABASE_PASSWORD', property: 'password' },
  },
  vmCredential: {
    delivery: 'pulumi',
    kind: 'auth-key',
    expiryDays: 30,
    rotateBeforeExpiryDays: 14,
  },
  processor: {
    // The CI build tags (sha-<12 hex>) are to be confirmed against values-managed-staging.yaml (docs/kubernetes.md, "Unconfirmed").
    image: { repository: 'ghcr.io/tuist/tuist', tag: 'sha-3f9c2a71d4e8' },
    replicas: 1,
    resources: {
      requests: { cpu: '100m', memory: '384Mi' },
      limits: { cpu: '500m', memory: '1536Mi' },
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
