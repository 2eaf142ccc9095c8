import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { environmentFile } from '../../src/release/set-image';
import { ENVIRONMENTS } from '../fixtures';

export const ROOT = path.join(__dirname, '..', '..');

/** A root holding copies of the committed environment files. */
export function tempRoot(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'set-image-'));
  for (const env of ENVIRONMENTS) {
    const file = path.join(root, environmentFile(env.name));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.copyFileSync(path.join(ROOT, environmentFile(env.name)), file);
  }
  return root;
}

export const read = (root: string, env: string): string => fs.readFileSync(path.join(root, environmentFile(env)), 'utf8');
