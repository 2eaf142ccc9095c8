/** File helpers of the caches, which only ever save time. */
import * as fs from 'node:fs';

/**
 * Writes `file` through a temporary file of this process and a rename, so a concurrent reader
 * (another checkout sharing the cache, a parallel test worker) sees the old or the new content,
 * never half of one.
 */
export function writeAtomically(file: string, content: string | Buffer): void {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, content);
  fs.renameSync(temporary, file);
}
