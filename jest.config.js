/** Transpile-only (swc): type checking is `npm run typecheck`, kept out of the test loop. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }],
    // @marcbachmann/cel-js ships ES modules only; Node (>= 20.19) requires them as they are, jest's runtime needs CommonJS.
    '/node_modules/@marcbachmann/cel-js/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'ecmascript' } }, module: { type: 'commonjs' } }],
    // The secretlint rule set ships as ES modules only; Jest (before Node 24.9) loads CommonJS.
    '/node_modules/@secretlint/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!@marcbachmann/cel-js/|@secretlint/)'],
  snapshotFormat: { printBasicPrototype: false },
  testTimeout: 30000,
  // Jest's default (cores − 1) is one worker on the 2-core CI machine; two cut the suite from
  // about 31 s to 19 s there, because most suites wait on esbuild/git/child processes.
  maxWorkers: 2,
  // A worker keeps what earlier test files left reachable, so its heap grew to about 750 MB over
  // the suite and every later file ran slower. Two holders found: the inspector session with the
  // debugger on that @pulumi/pulumi opens to serialize a dynamic provider and never closes
  // (runtime/closure/v8Hooks.js; one per file, and each later script is reported to all of
  // them), and listeners on the shared `process` (the 'exit' handler of runtime/debuggable.js).
  // A worker past 250 MB after a file is replaced: the suite fell from 56–65 s to 45 s (180 MB:
  // the same; 120 MB: 49 s, the restarts start to cost). Closing the sessions after each file
  // instead measured the same, with the heap still growing. Jest documents the option as the
  // remedy for such leaks (https://jestjs.io/docs/configuration#workeridlememorylimit-numberstring).
  workerIdleMemoryLimit: '250MB',
};
