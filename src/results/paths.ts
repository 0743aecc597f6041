// Output paths the user names: checked before any work starts (usable, outside the kernel's pseudo file
// systems, new or written by radam-run), and the marks by which radam-run recognises files it wrote.
import { closeSync, existsSync, openSync, readSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../base/errors.js';
import { fileKind } from '../base/quote.js';
import { PROCESS_TAG } from './atomic.js';
import { errnoText, pathProblem, unusableOutput } from './fs-errors.js';

/**
 * The marks by which radam-run recognises files it wrote, in their first bytes: report.html's
 * generator meta tag and the charts' metadata element (written by report/report.ts), and the root element of
 * reproduce's JUnit XML.
 */
export const REPORT_MARK = /<meta name="generator" content="radam-run[ "]/;
export const CHART_MARK = /<metadata>generator: radam-run[ <]/;
export const JUNIT_MARK = '<testsuites name="radam-run reproduce"';

/** The deepest existing ancestor of a path (the path itself when it exists). */
export function existingAncestor(path: string): string {
  let p = resolve(path);
  while (!existsSync(p)) {
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  return p;
}

/**
 * Check, before any work starts, that an output path can be used: not empty, not inside the kernel's
 * pseudo file systems (where writes block or mean something else), and under a directory. `kind`
 * says whether the path will be a directory or a file.
 */
export function checkOutputPath(flag: string, path: string, kind: 'directory' | 'file'): string {
  if (path.trim() === '') throw new ConfigError(`${flag}: expected a ${kind} path, got an empty string (an unset shell variable?)`);
  const target = resolve(path);
  const ancestor = existingAncestor(target);
  let real: string;
  try {
    real = join(realpathSync(ancestor), target.slice(ancestor.length));
  } catch (err) {
    throw pathProblem(flag, path, `a usable ${kind} path`, errnoText(err) ?? String(err));
  }
  if (/^\/(proc|sys|dev)(\/|$)/.test(real)) throw pathProblem(flag, path, `a ${kind} outside /proc, /sys and /dev`, real === target ? 'a path inside one' : `a path that resolves to ${real}`);
  if (ancestor !== target && !statSync(ancestor).isDirectory()) throw pathProblem(flag, path, `a ${kind} under a directory`, `${ancestor}, which is a file`);
  if (ancestor === target) {
    const stat = statSync(target);
    if (kind === 'directory' && !stat.isDirectory()) throw pathProblem(flag, path, 'a directory', 'an existing file');
    if (kind === 'file' && stat.isDirectory()) throw pathProblem(flag, path, 'a file', 'an existing directory');
    // a FIFO or a device would block or swallow the output
    if (kind === 'file' && !stat.isFile()) throw pathProblem(flag, path, 'a regular file', fileKind(stat));
  }
  return target;
}

/**
 * Check a file output (`--junit`) before the runs start: a usable path whose directory can be created
 * and written, and that is new or a file radam-run wrote (`mark` is a string only our files contain).
 */
export function checkOutputFile(flag: string, path: string, mark: string, what: string): string {
  const target = checkOutputPath(flag, path, 'file');
  try {
    // probe the nearest existing directory: nothing is created before the runs (the file's directory is made when it is written)
    const probe = join(existingAncestor(dirname(target)), `.radam-run.probe-${PROCESS_TAG}`);
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (err) {
    throw unusableOutput(err, `${flag} ${path}`, 'a file in a directory radam-run can create and write');
  }
  if (existsSync(target) && !carriesMark(target, mark)) throw pathProblem(flag, path, `a new file or ${what} written by radam-run`, 'an existing file it did not write');
  return target;
}

/** Does `file` carry one of the marks above in its first 4 KiB? (Read no further: it may be a huge file of the user's.) A file we cannot read is not one we can vouch for. */
export function carriesMark(file: string, mark: RegExp | string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const buffer = Buffer.alloc(4096);
    const head = buffer.toString('utf8', 0, readSync(fd, buffer, 0, buffer.length, 0));
    return typeof mark === 'string' ? head.includes(mark) : mark.test(head);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
