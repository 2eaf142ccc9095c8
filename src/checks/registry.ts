/** Every check, in report order: the path from VM to database first, then what would be refused. */
import { templateEngine, templateKeys } from './admission/external-secret';
import { pgbouncerParameters, poolerName, poolerNamespace } from './admission/pooler';
import { tailscaleHostname, tailscaleTags } from './admission/tailscale-annotations';
import { databaseUrlHost, databaseUrlKey, linuxDatabaseUrl } from './path/database-url';
import { environmentIsolation } from './path/environment-isolation';
import { policyGrant } from './path/policy-grant';
import { poolerExposure } from './path/pooler-exposure';
import { tailnetIsolation } from './path/tailnet-isolation';
import { tailscaleAuthKey, vmCredentialTagsCheck } from './path/vm-credential';
import { duplicateEnv, secretLiterals } from './policy/env-vars';
import { imageTags } from './policy/images';
import { exemptionReasons, linuxHardening } from './policy/linux-hardening';
import { explicitNamespace } from './policy/namespaces';
import { resourceBounds } from './policy/resources';
import { selectorLabels } from './policy/selectors';
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
  linuxDatabaseUrl,
  environmentIsolation,
  tailnetIsolation,
];

/** What a careful reviewer or the cluster's admission would refuse. */
export const REFUSAL_CHECKS: readonly Check[] = [
  pgbouncerParameters,
  poolerName,
  poolerNamespace,
  templateKeys,
  templateEngine,
  tailscaleHostname,
  tailscaleTags,
  customResourceSchemas,
  imageTags,
  resourceBounds,
  selectorLabels,
  duplicateEnv,
  explicitNamespace,
  secretLiterals,
  linuxHardening,
  exemptionReasons,
];

export const CHECKS: readonly Check[] = [...PATH_CHECKS, ...REFUSAL_CHECKS];
