/** Transpile-only (swc): type checking is `npm run typecheck`, kept out of the test loop. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  snapshotFormat: { printBasicPrototype: false },
  testTimeout: 30000,
};
