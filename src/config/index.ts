export * from './cnpg';
export * from './environments';
export * from './load';
export * from './names';
export * from './syntax';
export * from './tailnets';
export * from './types';
export * from './validate';
