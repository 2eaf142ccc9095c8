import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/types';
import { DatabasePooler } from './database-pooler';
import { LinuxProcessor } from './linux-processor';
import { ProcessorSecrets } from './processor-secrets';
import { VmCredential } from './vm-credential';
import { XcresultProcessor } from './xcresult-processor';

export interface EnvironmentChartProps {
  readonly environment: EnvironmentConfig;
}

/**
 * Everything one environment runs in its namespace. Construct ids are a contract (the
 * Pulumi program keys resources by object name, not by path), but names and selectors are
 * explicit, so renaming a construct changes neither.
 */
export class EnvironmentChart extends Chart {
  readonly environment: EnvironmentConfig;
  readonly pooler: DatabasePooler;
  readonly processorSecrets: ProcessorSecrets;
  readonly vmCredential: VmCredential;
  readonly processor: LinuxProcessor;
  readonly xcresultProcessor: XcresultProcessor;

  constructor(scope: Construct, id: string, props: EnvironmentChartProps) {
    const environment = props.environment;
    super(scope, id, { namespace: environment.namespace, disableResourceNameHashes: true });
    this.environment = environment;
    this.pooler = new DatabasePooler(this, 'Pooler', { environment });
    this.processorSecrets = new ProcessorSecrets(this, 'ProcessorSecrets', { environment, pooler: this.pooler });
    this.vmCredential = new VmCredential(this, 'VmCredential', { environment });
    this.processor = new LinuxProcessor(this, 'Processor', { environment, secrets: this.processorSecrets });
    this.xcresultProcessor = new XcresultProcessor(this, 'XcresultProcessor', {
      environment, secrets: this.processorSecrets, credential: this.vmCredential,
    });
  }
}
