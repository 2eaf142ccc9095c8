import { Construct } from 'constructs';
import * as cnpg from '../../imports/cnpg-pooler-postgresql.cnpg.io';
import { COMPONENTS, POOLER_SERVICE_PORT, componentLabels, objectNames, poolerServiceHost } from '../config/names';
import { TAILSCALE_ANNOTATIONS } from '../config/tailscale-operator';
import type { EnvironmentConfig } from '../config/types';

export interface DatabasePoolerProps {
  readonly environment: EnvironmentConfig;
}

/**
 * The CNPG `Pooler` (PgBouncer) in front of the environment's primary: always `rw`, because
 * the processors write. With the tailnet exposure on, the Service CNPG creates carries the
 * Tailscale operator's annotations, so the VMs reach it as `tailnetHostname`.
 *
 * Removing the exposure later does not un-expose the live Service (CNPG only adds
 * annotations); see docs/runbooks/unexpose-pooler.md.
 */
export class DatabasePooler extends Construct {
  /** Name of the Service CNPG creates: exactly the Pooler's name. */
  readonly serviceName: string;
  /** In-cluster DNS name of that Service. */
  readonly serviceHost: string;
  readonly port = POOLER_SERVICE_PORT;
  /** MagicDNS name of the pooler's tailnet proxy, or undefined when not exposed. */
  readonly tailnetHostname: string | undefined;
  readonly resource: cnpg.Pooler;

  constructor(scope: Construct, id: string, props: DatabasePoolerProps) {
    super(scope, id);
    const env = props.environment;
    const { pooler } = env;
    const exposure = pooler.tailnetExposure;

    const names = objectNames(env);
    this.serviceName = names.pooler;
    this.serviceHost = poolerServiceHost(env);
    this.tailnetHostname = exposure.enabled ? exposure.hostname : undefined;

    this.resource = new cnpg.Pooler(this, 'Resource', {
      metadata: { name: names.pooler, labels: componentLabels(env, COMPONENTS.pooler) },
      spec: {
        cluster: { name: names.databaseCluster },
        instances: pooler.instances,
        type: cnpg.PoolerSpecType.RW,
        pgbouncer: {
          poolMode: pooler.poolMode === 'transaction'
            ? cnpg.PoolerSpecPgbouncerPoolMode.TRANSACTION
            : cnpg.PoolerSpecPgbouncerPoolMode.SESSION,
          parameters: { ...pooler.parameters },
        },
        ...(exposure.enabled && {
          serviceTemplate: {
            metadata: {
              annotations: {
                [TAILSCALE_ANNOTATIONS.expose]: 'true',
                [TAILSCALE_ANNOTATIONS.hostname]: exposure.hostname,
                [TAILSCALE_ANNOTATIONS.tags]: exposure.tags.join(','),
              },
            },
          },
        }),
      },
    });
  }
}
