export * from './locations';
export * from './standalone-validators';
