/**
 * Paths given on a command line, checked before any work starts, so a typo is one line that
 * names the option and the path (a UsageError, exit 2), never a stack trace after minutes of work.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../../errors/user-error';

/** `file` (given as `option`) exists and is a readable file. */
export function requireInputFile(option: string, file: string): string {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (stat === undefined) throw new UsageError(`${option} ${file}: no such file (resolved to ${path.resolve(file)}). Fix: give the path of an existing file.`);
  if (!stat.isFile()) throw new UsageError(`${option} ${file}: is not a file. Fix: give the path of a file.`);
  return file;
}

/** The folder `file` (given as `option`) would be written into exists. */
export function requireOutputFolder(option: string, file: string): string {
  const folder = path.dirname(path.resolve(file));
  const stat = fs.statSync(folder, { throwIfNoEntry: false });
  if (stat === undefined || !stat.isDirectory()) {
    throw new UsageError(`${option} ${file}: the folder ${folder} does not exist. Fix: create it first (mkdir -p ${JSON.stringify(folder)}) or write elsewhere.`);
  }
  if (fs.statSync(path.resolve(file), { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`${option} ${file}: is a folder. Fix: give a file name.`);
  return file;
}

/** A folder given as `option` exists. */
export function requireFolder(option: string, folder: string): string {
  if (!fs.statSync(folder, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`${option} ${folder}: no such folder (resolved to ${path.resolve(folder)}).`);
  return folder;
}
