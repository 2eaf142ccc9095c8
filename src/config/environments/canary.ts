import type { EnvironmentConfig } from '../types';
import { CLUSTER_TO_VM_PORTS, VM_TO_CLUSTER_PORTS } from './tailnet-ports';

export const canary: EnvironmentConfig = {
  name: 'canary',
  stage: 'canary',
  namespace: 'tuist-canary',
  release: { fullname: 'tuist-tuist' },
  tailnet: {
    tailnet: 'tuist',
    operatorTag: 'tag:tuist-k8s-canary',
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
      tags: ['tag:tuist-pg-pooler-canary'],
    },
  },
  processorSecrets: {
    store: { kind: 'ClusterSecretStore', name: 'onepassword' },
    refreshInterval: '1h',
    databasePassword: { key: 'PROCESSOR_DATABASE_PASSWORD', property: 'password' },
  },
  vmCredential: { kind: 'oauth-client' },
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
    runtime: {
      mode: 'processor',
      queue: { TUIST_PROCESS_BUILD_QUEUE_CONCURRENCY: { kind: 'literal', value: '5' } },
      database: {},
      licenseAndKeys: { MASTER_KEY: { kind: 'secret', secret: 'serverSecrets', key: 'master-key' } },
      objectStorage: {
        TUIST_S3_BUCKET_NAME: { kind: 'literal', value: 'tuist-can-storage' },
        TUIST_S3_ENDPOINT: { kind: 'secret', secret: 'objectStorage', key: 'endpoint' },
        TUIST_S3_REGION: { kind: 'literal', value: 'auto' },
        TUIST_S3_ACCESS_KEY_ID: { kind: 'secret', secret: 'objectStorage', key: 'access-key-id' },
        TUIST_S3_SECRET_ACCESS_KEY: { kind: 'secret', secret: 'objectStorage', key: 'secret-access-key' },
      },
      telemetry: {
        TUIST_HOSTED: { kind: 'literal', value: '1' },
        TUIST_LOG_LEVEL: { kind: 'literal', value: 'info' },
        TUIST_DEPLOY_ENV: { kind: 'literal', value: 'canary' },
        TUIST_OTEL_EXPORTER_OTLP_ENDPOINT: { kind: 'endpoint', receiver: 'otlp', scheme: 'http', path: '' },
        TUIST_GITHUB_APP_CLIENT_SECRET: { kind: 'secret', secret: 'serverSecrets', key: 'github-app-client-secret' },
        TUIST_GITHUB_APP_PRIVATE_KEY_BASE64: { kind: 'secret', secret: 'serverSecrets', key: 'github-app-private-key-base64' },
      },
      envFrom: [],
    },
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
    runtime: {
      mode: 'xcresult_processor',
      queue: { TUIST_PROCESS_XCRESULT_QUEUE_CONCURRENCY: { kind: 'literal', value: '4' } },
      database: { TUIST_DATABASE_SCHEMA: { kind: 'literal', value: 'public' } },
      licenseAndKeys: { TUIST_LICENSE: { kind: 'secret', secret: 'serverSecrets', key: 'license' } },
      objectStorage: {
        TUIST_OBJECT_STORAGE_PROVIDER: { kind: 'literal', value: 's3' },
        TUIST_S3_BUCKET_NAME: { kind: 'literal', value: 'tuist-can-storage' },
        TUIST_S3_ENDPOINT: { kind: 'secret', secret: 'objectStorage', key: 'endpoint' },
        TUIST_S3_REGION: { kind: 'literal', value: 'auto' },
        TUIST_S3_ACCESS_KEY_ID: { kind: 'secret', secret: 'objectStorage', key: 'access-key-id' },
        TUIST_S3_SECRET_ACCESS_KEY: { kind: 'secret', secret: 'objectStorage', key: 'secret-access-key' },
      },
      // The Secret's key holds a URL to the ClickHouse proxy on the tailnet; declared here so the reachability proof covers it.
      clickhouse: { TUIST_CLICKHOUSE_URL: { kind: 'secret-endpoint', secret: 'clickhouse', key: 'url-tailnet', receiver: 'clickhouse' } },
      telemetry: {
        TUIST_HOSTED: { kind: 'literal', value: '1' },
        TUIST_LOG_LEVEL: { kind: 'literal', value: 'info' },
        TUIST_DEPLOY_ENV: { kind: 'literal', value: 'canary' },
        TUIST_OTEL_EXPORTER_OTLP_ENDPOINT: { kind: 'endpoint', receiver: 'otlp', scheme: 'http', path: '' },
        TUIST_LOKI_URL: { kind: 'endpoint', receiver: 'loki', scheme: 'http', path: '' },
        TUIST_XCRESULT_PROCESSOR_RELEASE: { kind: 'endpoint', receiver: 'registry', scheme: 'oci', path: '/tuist/xcresult-processor-release:0.12.3' },
        TUIST_GITHUB_APP_CLIENT_SECRET: { kind: 'secret', secret: 'serverSecrets', key: 'github-app-client-secret' },
        TUIST_GITHUB_APP_PRIVATE_KEY_BASE64: { kind: 'secret', secret: 'serverSecrets', key: 'github-app-private-key-base64' },
      },
      envFrom: ['serverConfig'],
    },
  },
  policy: {
    vmToCluster: VM_TO_CLUSTER_PORTS,
    clusterToVm: CLUSTER_TO_VM_PORTS,
  },
};
