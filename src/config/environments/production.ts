import type { EnvironmentConfig } from '../types';

export const production: EnvironmentConfig = {
  name: 'production',
  stage: 'production',
  namespace: 'tuist',
  release: { fullname: 'tuist-tuist' },
  tailnet: {
    tailnet: 'tuist',
    operatorTag: 'tag:tuist-k8s-operator-production',
    clusterTag: 'tag:tuist-k8s-production',
    vmTag: 'tag:tuist-macmini-production',
  },
  database: {
    name: 'tuist',
    processorRole: 'tuist_processor',
    maxConnections: 200,
    reservedConnections: 13,
  },
  pooler: {
    instances: 2,
    poolMode: 'transaction',
    parameters: {
      default_pool_size: '20',
      max_client_conn: '100',
    },
    tailnetExposure: {
      enabled: true,
      hostname: 'tuist-pg-pooler-production',
      tags: ['tag:tuist-k8s-production'],
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
    // The CI build tags (sha-<12 hex>) are to be confirmed against values-managed-production.yaml (docs/kubernetes.md, "Unconfirmed").
    image: { repository: 'ghcr.io/tuist/tuist', tag: 'sha-c7d2f05a9e13' },
    replicas: 2,
    resources: {
      requests: { cpu: '4', memory: '8Gi' },
      limits: { cpu: '12', memory: '24Gi' },
    },
    rollout: { maxSurge: 1, maxUnavailable: 0 },
    scheduling: { nodeSelector: { 'node.cluster.x-k8s.io/pool': 'processor' }, hostnameSpread: 'DoNotSchedule' },
    podDisruptionBudget: { enabled: true, minAvailable: 1 },
    terminationGracePeriodSeconds: 1260,
    tmpSizeLimit: '16Gi',
  },
  xcresultProcessor: {
    image: { repository: 'ghcr.io/tuist/tuist-xcresult-processor', tag: '0.12.3' },
    replicas: 2,
    resources: {
      requests: { cpu: '1000m', memory: '2Gi' },
      limits: { cpu: '3000m', memory: '4Gi' },
    },
    fleet: { hosts: 2 },
    rollout: 'no-surge',
    databaseUrlSecretKey: 'xcresult-processor-database-url',
    tailnetJoin: true,
    podDisruptionBudget: { enabled: true, minAvailable: 1 },
    terminationGracePeriodSeconds: 300,
  },
  policy: {
    extraClusterPorts: [],
  },
};
