export * from './environment-check';
export * from './gate';
export * from './registry';
export * from './report';
export * from './run';
export * from './schema/crd-catalog';
export * from './schema/custom-resources';
export * from './types';
