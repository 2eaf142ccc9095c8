export * from './query-escape';
export * from './template';
