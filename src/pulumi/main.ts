/**
 * The Pulumi program (Pulumi.yaml `main`). It only wires the real stack name, stack
 * configuration and clock into environmentStack(); its result is the stack's outputs.
 */
import * as pulumi from '@pulumi/pulumi';
import { loadModel } from '../config/load';
import { environmentStack } from './environment-stack';
import { readStackConfig } from './stack-config';
import { environmentForStack } from './stack-environment';

export = async () => {
  const model = loadModel();
  return environmentStack({ model, environment: environmentForStack(model, pulumi.getStack()), config: readStackConfig(), now: new Date() });
};
