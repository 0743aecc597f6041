// Single files written atomically (temp file + rename, or + link for create-only), and the names of
// things in progress, which carry the writing process (HOST-PID) so a crash's leftovers can be removed.
import { linkSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

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
