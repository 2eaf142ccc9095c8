import * as fs from 'node:fs';
import * as path from 'node:path';

const { generateEnvironmentSchema, SCHEMA, TYPES } = require('../../scripts/config-schema');

describe('the environment schema', () => {
  test('is what `npm run config-schema` derives from the types today', () => {
    const committed = fs.readFileSync(path.join(__dirname, '..', '..', SCHEMA), 'utf8');
    const fresh: string = generateEnvironmentSchema();
    // A plain message, not a 600-line diff: the fix is one command.
    if (committed !== fresh) throw new Error(`${SCHEMA} is stale: ${TYPES} changed since it was generated. Fix: run \`npm run config-schema\` and commit ${SCHEMA}.`);
  });

  test('goes stale when a field is added to the types', () => {
    const root = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'schema-'));
    for (const file of ['tsconfig.json', TYPES]) {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.copyFileSync(path.join(__dirname, '..', '..', file), path.join(root, file));
    }
    const types = path.join(root, TYPES);
    fs.writeFileSync(types, fs.readFileSync(types, 'utf8').replace(/export interface PoolerConfig \{/, '$&\n  readonly poolSize: number;'));
    const schema = JSON.parse(generateEnvironmentSchema(root));
    expect(schema.properties.pooler.required).toContain('poolSize');
    expect(generateEnvironmentSchema(root)).not.toBe(fs.readFileSync(path.join(__dirname, '..', '..', SCHEMA), 'utf8'));
  });
});
