import type { EnvironmentConfig } from '../types';
import { CLUSTER_TO_VM_PORTS, VM_TO_CLUSTER_PORTS } from './tailnet-ports';

export const production: EnvironmentConfig = {
  name: 'production',
  stage: 'production',
  namespace: 'tuist',
  tailnet: {
    tailnet: 'tuist',
    operatorTag: 'tag:tuist-k8s-production',
    clusterTag: 'tag:tuist-k8s-production',
    vmTag: 'tag:tuist-macmini-production',
  },
  database: {
    clusterName: 'tuist-pg',
    name: 'tuist',
    processorRole: 'tuist_processor',
  },
  pooler: {
    name: 'tuist-pg-pooler-rw',
    instances: 3,
    poolMode: 'transaction',
    parameters: {
      default_pool_size: '20',
      max_client_conn: '200',
    },
    tailnetExposure: {
      enabled: true,
      hostname: 'tuist-pg-pooler-production',
      tags: ['tag:tuist-pg-pooler-production'],
    },
  },
  processorSecrets: {
    store: { kind: 'ClusterSecretStore', name: 'onepassword' },
    refreshInterval: '1h',
    databasePassword: { key: 'tuist-production-postgres', property: 'tuist_processor_password' },
  },
  vmCredential: {
    delivery: 'pulumi',
    kind: 'auth-key',
    expiryDays: 30,
    rotateBeforeExpiryDays: 14,
  },
  processor: {
    image: { repository: 'ghcr.io/tuist/tuist', tag: '4.111.2' },
    replicas: 2,
    resources: {
      requests: { cpu: '250m', memory: '512Mi' },
      limits: { cpu: '1000m', memory: '1Gi' },
    },
    podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
  },
  xcresultProcessor: {
    image: { repository: 'ghcr.io/tuist/xcresult-processor', tag: '4.111.2' },
    replicas: 4,
    resources: {
      requests: { cpu: '1000m', memory: '2Gi' },
      limits: { cpu: '3000m', memory: '4Gi' },
    },
    fleet: 'production',
    rollout: 'no-surge',
    databaseUrlSecretKey: 'xcresult-processor-database-url',
    tailnetJoin: true,
    podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
  },
  policy: {
    vmToCluster: VM_TO_CLUSTER_PORTS,
    clusterToVm: CLUSTER_TO_VM_PORTS,
  },
};
