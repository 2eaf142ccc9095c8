import type { EnvironmentConfig } from '../types';
import { canary } from './canary';
import { production } from './production';
import { staging } from './staging';

/** Every environment, in rollout order (staging → canary → production). */
export const ENVIRONMENTS: readonly EnvironmentConfig[] = [staging, canary, production];
