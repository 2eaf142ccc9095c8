import type { EnvironmentConfig } from '../types';
import { CLUSTER_TO_VM_PORTS, VM_TO_CLUSTER_PORTS } from './tailnet-ports';

export const staging: EnvironmentConfig = {
  name: 'staging',
  stage: 'staging',
  namespace: 'tuist-staging',
  tailnet: {
    tailnet: 'tuist',
    operatorTag: 'tag:tuist-k8s-staging',
    clusterTag: 'tag:tuist-k8s-staging',
    vmTag: 'tag:tuist-macmini-staging',
  },
  database: {
    clusterName: 'tuist-pg',
    name: 'tuist',
    processorRole: 'tuist_processor',
  },
  pooler: {
    name: 'tuist-pg-pooler-rw',
    instances: 1,
    poolMode: 'transaction',
    parameters: {
      default_pool_size: '20',
      max_client_conn: '100',
    },
    tailnetExposure: {
      enabled: true,
      hostname: 'tuist-pg-pooler-staging',
      tags: ['tag:tuist-pg-pooler-staging'],
    },
  },
  processorSecrets: {
    store: { kind: 'ClusterSecretStore', name: 'onepassword' },
    refreshInterval: '1h',
    databasePassword: { key: 'tuist-staging-postgres', property: 'tuist_processor_password' },
  },
  vmCredential: {
    delivery: 'pulumi',
    kind: 'auth-key',
    expiryDays: 30,
    rotateBeforeExpiryDays: 14,
  },
  processor: {
    image: { repository: 'ghcr.io/tuist/tuist', tag: 'c6d08f92' },
    replicas: 1,
    resources: {
      requests: { cpu: '250m', memory: '512Mi' },
      limits: { cpu: '1000m', memory: '1Gi' },
    },
    podDisruptionBudget: { enabled: false },
  },
  xcresultProcessor: {
    image: { repository: 'ghcr.io/tuist/xcresult-processor', tag: 'c6d08f92' },
    replicas: 1,
    resources: {
      requests: { cpu: '1000m', memory: '2Gi' },
      limits: { cpu: '3000m', memory: '4Gi' },
    },
    fleet: 'staging',
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
