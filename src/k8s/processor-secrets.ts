import { Construct } from 'constructs';
import * as eso from '../../imports/eso-externalsecret-external-secrets.io';
import { COMPONENTS, DATABASE_PASSWORD_KEY, DATABASE_URL_KEYS, componentLabels, objectNames } from '../config/names';
import type { DatabaseUrlKey, EnvironmentConfig } from '../config/types';
import type { DatabasePooler } from './database-pooler';
import { secretStoreRef } from './secret-store';
import { databaseUrlTemplate } from './database-url';

export interface ProcessorSecretsProps {
  readonly environment: EnvironmentConfig;
  /** The pooler both URLs point at. */
  readonly pooler: DatabasePooler;
}

/**
 * One ExternalSecret that reads the processor role's password from the vault and composes
 * the processors' database URLs into one Secret: `processor-database-url` (in-cluster
 * Service, for Linux pods) and, when the pooler is on the tailnet,
 * `xcresult-processor-database-url` (tailnet hostname, for the macOS VMs).
 */
export class ProcessorSecrets extends Construct {
  /** Name of the Kubernetes Secret ESO writes. */
  readonly secretName: string;
  /** The URL keys the Secret will hold. */
  readonly urlKeys: readonly DatabaseUrlKey[];
  readonly resource: eso.ExternalSecret;

  constructor(scope: Construct, id: string, props: ProcessorSecretsProps) {
    super(scope, id);
    const env = props.environment;
    const { pooler } = props;
    this.secretName = objectNames(env).processorSecret;
    const url = (host: string): string => databaseUrlTemplate({
      role: env.database.processorRole, host, port: pooler.port, database: env.database.name,
    });

    const templateData: Record<string, string> = { [DATABASE_URL_KEYS.cluster]: url(pooler.serviceHost) };
    if (pooler.tailnetHostname !== undefined) templateData[DATABASE_URL_KEYS.tailnet] = url(pooler.tailnetHostname);
    this.urlKeys = Object.keys(templateData) as DatabaseUrlKey[];

    const { store, refreshInterval, databasePassword } = env.processorSecrets;
    this.resource = new eso.ExternalSecret(this, 'Resource', {
      metadata: { name: this.secretName, labels: componentLabels(env, COMPONENTS.processorSecrets) },
      spec: {
        refreshInterval,
        secretStoreRef: secretStoreRef(store),
        target: {
          name: this.secretName,
          creationPolicy: eso.ExternalSecretSpecTargetCreationPolicy.OWNER,
          template: {
            engineVersion: eso.ExternalSecretSpecTargetTemplateEngineVersion.V2,
            data: templateData,
          },
        },
        data: [{
          secretKey: DATABASE_PASSWORD_KEY,
          remoteRef: { key: databasePassword.key, property: databasePassword.property },
        }],
      },
    });
  }
}
