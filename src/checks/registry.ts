/** Every check, in report order: the path from VM to database first, then what would be refused. */
import { apiServerRules } from './admission/api-server';
import { templateEngine, templateKeys } from './admission/external-secret';
import { pgbouncerAuthentication, pgbouncerParameters, poolerMonitoringTls, poolerName, poolerNamespace } from './admission/pooler';
import { tailscaleExpose, tailscaleHostname, tailscaleService, tailscaleTags } from './admission/tailscale-annotations';
import { databaseUrlHost, databaseUrlKey, linuxDatabaseUrl } from './path/database-url';
import { environmentIsolation } from './path/environment-isolation';
import { policyGrant } from './path/policy-grant';
import { poolerExposure } from './path/pooler-exposure';
import { tailnetIsolation } from './path/tailnet-isolation';
import { tailscaleAuthKey, vmCredentialTagsCheck } from './path/vm-credential';
import { vmEndpoints, vmSecretEndpoints } from './path/vm-endpoints';
import { duplicateEnv, secretLiterals } from './policy/env-vars';
import { imageTags } from './policy/images';
import { exemptionReasons, linuxHardening } from './policy/linux-hardening';
import { explicitNamespace } from './policy/namespaces';
import { resourceBounds } from './policy/resources';
import { selectorLabels } from './policy/selectors';
import { celRules, formats } from './schema/cel-check';
import { coreObjectSchemas } from './schema/core-objects';
import { drainAllowed, pgbouncerClients, pgbouncerServerConnections, vmHosts, vmRollout } from './scheduling/capacity';
import { customResourceSchemas } from './schema/custom-resources';
import type { Check, PathInput } from './types';

/** The hops of the proven path, VM → database, in order (the diagram draws these). */
export const PATH_CHECKS: readonly Check<PathInput>[] = [
  databaseUrlKey,
  databaseUrlHost,
  poolerExposure,
  policyGrant,
  vmCredentialTagsCheck,
  tailscaleAuthKey,
  vmEndpoints,
  vmSecretEndpoints,
  linuxDatabaseUrl,
  environmentIsolation,
  tailnetIsolation,
];

/** What a careful reviewer or the cluster's admission would refuse. */
export const REFUSAL_CHECKS: readonly Check[] = [
  pgbouncerParameters,
  pgbouncerAuthentication,
  poolerName,
  poolerMonitoringTls,
  poolerNamespace,
  templateKeys,
  templateEngine,
  tailscaleExpose,
  tailscaleHostname,
  tailscaleTags,
  tailscaleService,
  apiServerRules,
  customResourceSchemas,
  celRules,
  formats,
  coreObjectSchemas,
  imageTags,
  resourceBounds,
  selectorLabels,
  duplicateEnv,
  explicitNamespace,
  secretLiterals,
  linuxHardening,
  exemptionReasons,
];

/** Whether what is rendered can run where it lands: hosts, rollouts, drains, PgBouncer's limits. */
export const SCHEDULING_CHECKS: readonly Check[] = [
  vmHosts,
  vmRollout,
  drainAllowed,
  pgbouncerClients,
  pgbouncerServerConnections,
];

export const CHECKS: readonly Check[] = [...PATH_CHECKS, ...SCHEDULING_CHECKS, ...REFUSAL_CHECKS];
