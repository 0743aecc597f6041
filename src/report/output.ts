// Result directories that never endanger the user's files. A command claims its output directory
// with a lock file created exclusively (two processes cannot both write one directory), writes into a
// staging directory inside it, and moves the files into place only when complete, manifest.json last:
// a directory without manifest.json is never a complete result. `--force` replaces only a directory
// whose manifest says it is the output of the same command and that holds nothing but files the tool
// writes. Whatever a crash leaves (lock, staging, temp files) is recognisably ours and is removed by a
// later run once the process that wrote it is gone.
import { closeSync, existsSync, linkSync, openSync, readSync, mkdirSync, readFileSync, readdirSync, realpathSync, renameSync, rmdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError } from '../config/errors.js';
import { fileKind } from '../config/quote.js';
import { toolVersion } from '../base/version.js';

/** The commands that write a result directory of their own; recorded as `output` in manifest.json. */
export type OutputKind = 'compare' | 'reproduce' | 'variance';

const LOCK = '.radam-run.lock';
const STAGING_PREFIX = '.radam-run.partial-';

/** Everything a result directory of ours may hold (and a JUnit report reproduce wrote): `--force` refuses a directory holding anything else. */
export const OWN_FILES: ReadonlySet<string> = new Set(['curves.csv', 'trace.csv', 'summary.csv', 'summary.json', 'manifest.json', 'claims.csv', 'claims.json', 'variance.csv', 'report.html']);
/** `plot` writes its SVG charts into plots/ beside report.html. */
const OWN_PLOTS = 'plots';

/**
 * The marks by which radam-run recognises files it wrote, in their first bytes: report.html's
 * generator meta tag and the charts' metadata element (written by report.ts), and the root element of
 * reproduce's JUnit XML.
 */
export const REPORT_MARK = /<meta name="generator" content="radam-run[ "]/;
export const CHART_MARK = /<metadata>generator: radam-run[ <]/;
export const JUNIT_MARK = '<testsuites name="radam-run reproduce"';

interface LockInfo {
  pid: number;
  host: string;
  command: string;
  started: string;
  /** The directory did not exist before this process claimed it: a stale claim may remove it. */
  created: boolean;
}

/** What an errno means, for one-line messages. */
const ERRNO_TEXT: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a path component is not a directory',
  EISDIR: 'it is a directory',
  EEXIST: 'it already exists',
  ENOENT: 'no such file or directory',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
  EBUSY: 'the resource is busy',
  EIO: 'input/output error',
  EXDEV: 'it is on another file system',
  ENOTEMPTY: 'the directory is not empty',
};

/** A file-system error code that is the user's environment's problem, not a bug, with its meaning. */
export function errnoText(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && code in ERRNO_TEXT ? `${ERRNO_TEXT[code]}, ${code}` : undefined;
}

/** Results that were computed but could not be saved: exit 1, since work was lost (not bad input). */
export class SaveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SaveError';
  }

  /**
   * The SaveError for a file-system failure `err` while saving `what` (`consequence`: what is kept or
   * lost); undefined when `err` is not a file-system failure (a bug: rethrow it).
   */
  static from(err: unknown, what: string, consequence: string): SaveError | undefined {
    const text = errnoText(err);
    if (text === undefined) return undefined;
    const path = (err as NodeJS.ErrnoException).path;
    return new SaveError(`${path ?? what}: could not save ${what} (${text}); ${consequence}`);
  }
}

/** A ConfigError for a path the user gave that cannot be used. */
function pathProblem(flag: string, path: string, expected: string, got: string): ConfigError {
  return new ConfigError(`${flag} ${path}: expected ${expected}, got ${got}`);
}

/**
 * A file-system failure on an output the user named (`where`: the flag and path, or the path) as a
 * one-line ConfigError saying what was `expected`; anything that is not a file-system failure is a
 * bug and is rethrown as it is.
 */
export function unusableOutput(err: unknown, where: string, expected: string): ConfigError {
  if (err instanceof ConfigError) return err;
  const text = errnoText(err);
  if (text === undefined) throw err;
  return new ConfigError(`${where}: expected ${expected}, got ${text}`);
}

/** The deepest existing ancestor of a path (the path itself when it exists). */
function existingAncestor(path: string): string {
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

/**
 * Names of files and directories in progress carry the process writing them, `HOST-PID`: a leftover
 * is stale when its host is this one and that process is gone (another host's may still be running:
 * shards on several machines share one sweep directory).
 */
export const PROCESS_TAG = `${hostname()}-${process.pid}`;

/** Is `tag` (`HOST-PID`, or a bare pid as radam-run 0.1.0 wrote) a process of this host that is gone? */
export function isStaleTag(tag: string): boolean {
  const m = /^(?:(.*)-)?(\d+)$/.exec(tag);
  if (!m || (m[1] !== undefined && m[1] !== hostname())) return false;
  return !processAlive(Number(m[2]));
}

/** Is a process that wrote a lock or a staging name still running (on this host)? */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(dir: string, name = LOCK): LockInfo | undefined {
  try {
    const lock = JSON.parse(readFileSync(join(dir, name), 'utf8')) as Partial<LockInfo>;
    if (typeof lock.pid !== 'number' || typeof lock.host !== 'string') return undefined;
    return { pid: lock.pid, host: lock.host, command: String(lock.command ?? '?'), started: String(lock.started ?? '?'), created: lock.created === true };
  } catch {
    return undefined;
  }
}

/** A lock whose writer is gone: on this host and its process no longer runs, or unreadable (a torn write). */
function lockIsStale(lock: LockInfo | undefined): boolean {
  return lock === undefined || (lock.host === hostname() && !processAlive(lock.pid));
}

/** Remove what a crashed claim left in `dir` (its lock and staging); the directory too if it created it and nothing else is there. */
function clearStaleClaim(dir: string, lock: LockInfo | undefined): void {
  if (retireLock(dir, lock) !== 'retired') return;
  removeStaleStaging(dir);
  if (lock?.created) removeIfEmpty(dir);
}

/** Remove the staging directories and lock temp files of processes of this host that are gone. */
function removeStaleStaging(dir: string): void {
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith(STAGING_PREFIX) && isStaleTag(entry.slice(STAGING_PREFIX.length))) rmSync(join(dir, entry), { recursive: true, force: true });
  }
  removeStaleTemps(join(dir, LOCK));
}

/**
 * Remove the stale lock `stale` of `dir`, atomically: it is moved aside by rename (only one process
 * can), and if what was moved is not that lock (another process took the directory over meanwhile)
 * it is put back. 'gone': someone else moved it first; otherwise the lock that was put back.
 */
function retireLock(dir: string, stale: LockInfo | undefined): 'retired' | 'gone' | LockInfo {
  const aside = `${LOCK}.stale-${PROCESS_TAG}`;
  try {
    renameSync(join(dir, LOCK), join(dir, aside));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
  const moved = readLock(dir, aside);
  const same = stale === undefined ? moved === undefined || lockIsStale(moved) : moved !== undefined && moved.pid === stale.pid && moved.host === stale.host && moved.started === stale.started;
  try {
    if (!same) linkSync(join(dir, aside), join(dir, LOCK));
  } finally {
    rmSync(join(dir, aside), { force: true });
  }
  return same ? 'retired' : moved!;
}

/** Remove a directory only if it is empty (atomically: rmdir fails on a directory someone just wrote into). */
function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // not empty, or already gone: either way not ours to remove
  }
}

/**
 * Remove what crashed radam-run processes left among the entries of `parent`: result directories
 * claimed by a process that is gone (their lock and staging; the directory itself if the claim created
 * it and nothing else is there). Only directories holding our lock file are looked into.
 */
export function removeStaleClaims(parent: string): void {
  let entries: string[];
  try {
    entries = readdirSync(parent);
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(parent, entry);
    try {
      if (!existsSync(join(path, LOCK))) continue;
      const lock = readLock(path);
      if (lock && lockIsStale(lock)) clearStaleClaim(path, lock);
    } catch {
      // a leftover we cannot remove is harmless: the next run tries again
    }
  }
}

/** Does the manifest of `dir` say it is a result of command `kind`? Also reads manifests of 0.1.0, which recorded only the command line. */
function manifestKind(dir: string): string | undefined {
  try {
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { tool?: unknown; output?: unknown; command?: unknown };
    if (m.tool !== 'radam-run') return undefined;
    if (typeof m.output === 'string') return m.output;
    return Array.isArray(m.command) && typeof m.command[1] === 'string' ? m.command[1] : undefined;
  } catch {
    return undefined;
  }
}

/** plots/ is ours when it holds only SVG files that radam-run wrote (marked as report.ts marks them). */
function plotsAreOurs(dir: string): boolean {
  try {
    return readdirSync(dir).every((f) => f.endsWith('.svg') && carriesMark(join(dir, f), CHART_MARK));
  } catch {
    return false;
  }
}

/** A file (not a directory) with one of the names a result holds, or a JUnit report reproduce wrote there. */
function isOwnFile(dir: string, name: string): boolean {
  try {
    if (!statSync(join(dir, name)).isFile()) return false;
    return OWN_FILES.has(name) || (name.endsWith('.xml') && carriesMark(join(dir, name), JUNIT_MARK));
  } catch {
    return false;
  }
}

/** Why `--force` may not replace `dir` (undefined: it may). */
function foreignContent(dir: string, kind: OutputKind, entries: string[]): string | undefined {
  const made = manifestKind(dir);
  if (made === undefined) return 'a directory that is not a radam-run result (no radam-run manifest.json)';
  if (made !== kind) return `the result of \`radam-run ${made}\`, not of \`${kind}\``;
  const foreign = entries.filter((e) => !(isOwnFile(dir, e) || (e === OWN_PLOTS && plotsAreOurs(join(dir, e)))));
  if (foreign.length > 0) return `a radam-run result that also holds files radam-run did not write (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}); move them away first`;
  return undefined;
}

export interface ClaimOptions {
  /** The result may replace an existing result of the same command. */
  force?: boolean;
  /** The flag the path came from, for messages. */
  flag?: string;
}

export class OutputDir {
  /** Absolute path of the result directory. */
  readonly target: string;
  /** Where files are written until commit: a hidden directory inside the target. */
  readonly staging: string;
  private readonly created: boolean;
  /** Names written so far, in order (the manifest lists them). */
  readonly written: string[] = [];
  private state: 'open' | 'committing' | 'committed' | 'discarded' = 'open';

  private constructor(target: string, created: boolean) {
    this.target = target;
    this.created = created;
    this.staging = join(target, `${STAGING_PREFIX}${PROCESS_TAG}`);
  }

  /**
   * Claim `path` as the result directory of command `kind`: create it (or take an empty one, or with
   * `force` a previous result of the same command), lock it against other processes and open the
   * staging directory. Every refusal is a ConfigError, before any work has been done.
   */
  static claim(path: string, kind: OutputKind, options: ClaimOptions = {}): OutputDir {
    const flag = options.flag ?? '--out';
    const target = checkOutputPath(flag, path, 'directory');
    const fsProblem = (err: unknown): ConfigError => unusableOutput(err, `${flag} ${path}`, 'a directory radam-run can create and write');
    let created = false;
    try {
      mkdirSync(dirname(target), { recursive: true });
      removeStaleClaims(dirname(target));
      mkdirSync(target);
      created = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw fsProblem(err);
    }
    const lock: LockInfo = { pid: process.pid, host: hostname(), command: kind, started: new Date().toISOString(), created };
    try {
      created = acquireLock(target, lock, flag, path);
    } catch (err) {
      // the directory we created is removed only while empty: the process that won it may be writing there
      if (created) removeIfEmpty(target);
      throw fsProblem(err);
    }
    const out = new OutputDir(target, created);
    try {
      // our own claim's files, and another process's lock while it is being written, are not content
      const entries = readdirSync(target).filter((e) => !e.startsWith(LOCK) && !e.startsWith(STAGING_PREFIX));
      if (entries.length > 0) {
        if (!options.force) {
          throw pathProblem(flag, path, 'a new or empty directory', `one holding ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} (--force replaces a previous result of \`radam-run ${kind}\`, nothing else)`);
        }
        const problem = foreignContent(target, kind, entries);
        if (problem) throw pathProblem(flag, path, `a previous result of \`radam-run ${kind}\` for --force to replace`, problem);
      }
      mkdirSync(out.staging);
    } catch (err) {
      out.discard();
      throw fsProblem(err);
    }
    return out;
  }

  /** A fresh default directory name: runs/<name>-<yyyymmdd-hhmmss>[-k]. */
  static defaultPath(name: string, now = new Date(), root = 'runs'): string {
    const pad = (n: number): string => String(n).padStart(2, '0');
    const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
    let path = join(root, `${name}-${stamp}`);
    for (let k = 2; existsSync(path); k++) path = join(root, `${name}-${stamp}-${k}`);
    return path;
  }

  write(name: string, content: string): void {
    writeFileSync(join(this.staging, name), content);
    if (!this.written.includes(name)) this.written.push(name);
  }

  /**
   * Move the finished files into place: the old manifest goes first (so an interrupted commit never
   * looks complete), then the new files, then what is left of a replaced result, manifest.json last.
   */
  commit(): void {
    this.state = 'committing';
    const files = readdirSync(this.staging);
    rmSync(join(this.target, 'manifest.json'), { force: true });
    for (const f of files) if (f !== 'manifest.json') renameSync(join(this.staging, f), join(this.target, f));
    for (const old of readdirSync(this.target)) {
      if (isOwnFile(this.target, old) && !files.includes(old)) rmSync(join(this.target, old), { force: true });
      else if (old === OWN_PLOTS && plotsAreOurs(join(this.target, old))) rmSync(join(this.target, old), { recursive: true, force: true });
    }
    if (files.includes('manifest.json')) renameSync(join(this.staging, 'manifest.json'), join(this.target, 'manifest.json'));
    rmSync(this.staging, { recursive: true, force: true });
    rmSync(join(this.target, LOCK), { force: true });
    this.state = 'committed';
  }

  /** What a failure now leaves in the target: untouched, or a result without manifest.json (a commit was under way). */
  get leftIncomplete(): boolean {
    return this.state === 'committing';
  }

  /** Give up: remove the staging directory and the lock, and the directory itself if this claim created it. */
  discard(): void {
    if (this.state === 'committed' || this.state === 'discarded') return;
    this.state = 'discarded';
    rmSync(this.staging, { recursive: true, force: true });
    rmSync(join(this.target, LOCK), { force: true });
    if (this.created) removeIfEmpty(this.target);
  }
}

/**
 * Take the directory's lock, replacing a stale one; refuse when a live process holds it. A stale lock
 * is moved aside by rename, which only one process can do: if what was moved is not the stale lock
 * read a moment before (another process took over meanwhile), it is put back and this one refuses.
 * Returns whether the directory counts as created by this claim (inherited from a stale claim).
 */
function acquireLock(target: string, lock: LockInfo, flag: string, path: string): boolean {
  const held = (h: LockInfo): ConfigError => {
    const where = h.host === hostname() ? `pid ${h.pid}` : `pid ${h.pid} on host ${h.host}`;
    return pathProblem(flag, path, 'a directory no other radam-run is writing', `one claimed by \`radam-run ${h.command}\` (${where}, since ${h.started}); if that process is gone, delete ${join(path, LOCK)}`);
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileExclusive(join(target, LOCK), JSON.stringify(lock) + '\n');
      return lock.created;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readLock(target);
    if (!lockIsStale(holder)) throw held(holder!);
    const retired = retireLock(target, holder);
    if (retired === 'gone') continue;
    if (retired !== 'retired') throw held(retired);
    removeStaleStaging(target);
    lock.created ||= holder?.created ?? false;
  }
  throw pathProblem(flag, path, 'a directory no other radam-run is writing', 'one other processes claimed at the same moment');
}

/** Create `path` with `content` atomically and only if it does not exist (EEXIST otherwise): the file appears complete or not at all. */
export function writeFileExclusive(path: string, content: string): void {
  removeStaleTemps(path);
  const tmp = `${path}.tmp-${PROCESS_TAG}`;
  try {
    writeFileSync(tmp, content);
    linkSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Write a file atomically (temp file + rename) — for single files outside a result directory. No temp file survives a failure. */
export function writeFileAtomic(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  removeStaleTemps(path);
  const tmp = `${path}.tmp-${PROCESS_TAG}`;
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created
    }
    throw err;
  }
}

/** Remove the temp files `PATH.tmp-HOST-PID` that a crashed process left while writing `path` (files only). */
export function removeStaleTemps(path: string): void {
  const prefix = `${basename(path)}.tmp-`;
  for (const entry of readdirSync(dirname(path))) {
    if (!entry.startsWith(prefix) || !isStaleTag(entry.slice(prefix.length))) continue;
    try {
      if (statSync(join(dirname(path), entry)).isFile()) unlinkSync(join(dirname(path), entry));
    } catch {
      // gone meanwhile
    }
  }
}

/** The fields every manifest.json starts with: what wrote it, so `--force` and `plot` can recognise it. */
export function manifestHeader(kind: OutputKind | 'sweep'): { tool: 'radam-run'; output: string; version: string; node: string } {
  return { tool: 'radam-run', output: kind, version: toolVersion(), node: process.version };
}
