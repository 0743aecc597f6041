// Result directories that never endanger the user's files. A command claims its output directory
// with a lock file created exclusively (two processes cannot both write one directory), writes into a
// staging directory inside it, and moves the files into place only when complete, manifest.json last:
// a directory without manifest.json is never a complete result. `--force` replaces only a directory
// whose manifest says it is the output of the same command and that holds nothing but files the tool
// writes. Whatever a crash leaves (lock, staging, temp files) is recognisably ours and is removed by a
// later run once the process that wrote it is gone. The exception is live/ (results/live.ts): the
// metrics of runs in flight are written beside the staging directory as live.partial-HOST-PID/, which
// becomes live/ at commit and is kept by a crash or an interrupt (its files then lack their end line).
import { existsSync, linkSync, mkdirSync, readFileSync, readdirSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../base/errors.js';
import { toolVersion } from '../base/version.js';
import { isStaleTag, PROCESS_TAG, processAlive, removeStaleTemps, writeFileExclusive } from './atomic.js';
import { pathProblem, unusableOutput } from './fs-errors.js';
import { liveIsOurs } from './live.js';
import { carriesMark, CHART_MARK, checkOutputPath, JUNIT_MARK } from './paths.js';

/** The commands that write a result directory of their own; recorded as `output` in manifest.json. */
export type OutputKind = 'compare' | 'reproduce' | 'variance';

const LOCK = '.radam-run.lock';
const STAGING_PREFIX = '.radam-run.partial-';

/** Everything a result directory of ours may hold (and a JUnit report reproduce wrote): `--force` refuses a directory holding anything else. */
export const OWN_FILES: ReadonlySet<string> = new Set(['curves.csv', 'trace.csv', 'summary.csv', 'summary.json', 'manifest.json', 'claims.csv', 'claims.json', 'variance.csv', 'report.html']);
/** `plot` writes its SVG charts into plots/ beside report.html. */
const OWN_PLOTS = 'plots';
/** The live files of a committed result; those of runs in flight are in live.partial-HOST-PID. */
const OWN_LIVE = 'live';
const LIVE_PARTIAL_PREFIX = 'live.partial-';

/** A live.partial-HOST-PID directory of ours whose process is gone. */
function isStaleLive(dir: string, name: string): boolean {
  return name.startsWith(LIVE_PARTIAL_PREFIX) && isStaleTag(name.slice(LIVE_PARTIAL_PREFIX.length)) && liveIsOurs(join(dir, name));
}

/** live/ or a live.partial-* directory, holding only files results/live.ts writes. */
function isOwnLive(dir: string, name: string): boolean {
  return (name === OWN_LIVE || name.startsWith(LIVE_PARTIAL_PREFIX)) && liveIsOurs(join(dir, name));
}

interface LockInfo {
  pid: number;
  host: string;
  command: string;
  started: string;
  /** The directory did not exist before this process claimed it: a stale claim may remove it. */
  created: boolean;
}

/** A lock file as read back: only pid and host are needed to judge it; a torn write fails the check. */
const LockFile = z.looseObject({ pid: z.number(), host: z.string(), command: z.unknown().optional(), started: z.unknown().optional(), created: z.unknown().optional() });

function readLock(dir: string, name = LOCK): LockInfo | undefined {
  try {
    const parsed = LockFile.safeParse(JSON.parse(readFileSync(join(dir, name), 'utf8')));
    if (!parsed.success) return undefined;
    const lock = parsed.data;
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
function removeStaleClaims(parent: string): void {
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

/** What `--force` reads of a manifest.json: is it radam-run's, and of which command. */
const ManifestHead = z.looseObject({ tool: z.literal('radam-run'), output: z.unknown().optional(), command: z.unknown().optional() });

/** Does the manifest of `dir` say it is a result of command `kind`? Also reads manifests of 0.1.0, which recorded only the command line. */
function manifestKind(dir: string): string | undefined {
  try {
    const parsed = ManifestHead.safeParse(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
    if (!parsed.success) return undefined;
    const m = parsed.data;
    if (typeof m.output === 'string') return m.output;
    return Array.isArray(m.command) && typeof m.command[1] === 'string' ? m.command[1] : undefined;
  } catch {
    return undefined;
  }
}

/** plots/ is ours when it holds only SVG files that radam-run wrote (marked as report/report.ts marks them). */
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
  // what an interrupted or crashed run of ours left: its live files only
  if (made === undefined && entries.every((e) => isOwnLive(dir, e))) return undefined;
  if (made === undefined) return 'a directory that is not a radam-run result (no radam-run manifest.json)';
  if (made !== kind) return `the result of \`radam-run ${made}\`, not of \`${kind}\``;
  const foreign = entries.filter((e) => !(isOwnFile(dir, e) || isOwnLive(dir, e) || (e === OWN_PLOTS && plotsAreOurs(join(dir, e)))));
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

  /** Claimed with --force: the commit also clears the live metrics interrupted attempts left. */
  private forced = false;

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
    out.forced = options.force === true;
    try {
      // our own claim's files, another process's lock while it is being written, and the live files an
      // interrupted or crashed attempt left (kept for the user until a result replaces them) are not content
      const entries = readdirSync(target).filter((e) => !e.startsWith(LOCK) && !e.startsWith(STAGING_PREFIX) && !isStaleLive(target, e));
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

  /** Where the live files of this claim's runs go while they run; live/ once committed. */
  get liveDir(): string {
    return join(this.target, `${LIVE_PARTIAL_PREFIX}${PROCESS_TAG}`);
  }

  /** The names the manifest lists: the files written, and live/ when runs wrote live files. */
  get files(): string[] {
    return existsSync(this.liveDir) ? [...this.written, OWN_LIVE] : [...this.written];
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
    const live = this.liveDir;
    for (const old of readdirSync(this.target)) {
      if (isOwnFile(this.target, old) && !files.includes(old)) rmSync(join(this.target, old), { force: true });
      // the previous result's live/ (this result replaces it). The live.partial-* files an interrupted or
      // crashed run left stay (the tool said it kept them: they are another run's only record) unless
      // --force asked to replace the directory's contents of ours
      else if ((old === OWN_LIVE && liveIsOurs(join(this.target, old))) || (this.forced && isStaleLive(this.target, old))) rmSync(join(this.target, old), { recursive: true, force: true });
      else if (old === OWN_PLOTS && plotsAreOurs(join(this.target, old))) rmSync(join(this.target, old), { recursive: true, force: true });
    }
    if (existsSync(live)) renameSync(live, join(this.target, OWN_LIVE));
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

/** The fields every manifest.json starts with: what wrote it, so `--force` and `plot` can recognise it. */
export function manifestHeader(kind: OutputKind): { tool: 'radam-run'; output: string; version: string; node: string } {
  return { tool: 'radam-run', output: kind, version: toolVersion(), node: process.version };
}

/** manifest.json of compare (and so of reproduce) and of variance, as a reader checks it. */
export const Manifest = z.looseObject({
  tool: z.literal('radam-run'),
  version: z.string(),
  command: z.array(z.string()).optional(),
  started: z.string().optional(),
  /** The files the command wrote beside it. */
  files: z.array(z.string()),
  /** compare: the resolved experiment. */
  config: z
    .looseObject({
      name: z.string().optional(),
      optimizers: z.array(z.looseObject({ name: z.string().optional(), kind: z.string(), rho_threshold: z.number().optional() })),
    })
    .optional(),
});
export type Manifest = z.infer<typeof Manifest>;
