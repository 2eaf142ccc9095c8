export * from './locations';
export * from './standalone-validators';
export * from './verdict-cache';
export * from './plain-json';
