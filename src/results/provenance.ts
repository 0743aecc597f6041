// Where a result was made, recorded in manifest.json: the git commit of the config's repository and
// whether the tree differed from it, the host and its CPU, and the hash of radam-run's own lockfile.
// Every part is best effort: what cannot be found (no git, not a repository) is left out, never an error.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { basename, dirname, resolve } from 'node:path';

export interface Provenance {
  /** The repository holding the config file: HEAD, and whether the config as run may differ from it. */
  git?: { commit: string; dirty: boolean };
  host: string;
  cpu: { model: string; cores: number };
  /** SHA-256 of the package-lock.json radam-run was installed with, where the installation has one. */
  lockfile_sha256?: string;
}

/** `git ARGS` in `cwd`; its trimmed output, or undefined when git is missing or fails. */
function git(args: string[], cwd: string): string | undefined {
  // the repository is the one around cwd, whatever a caller's GIT_DIR (a hook, a script) points at
  const env = { ...process.env };
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY']) delete env[name];
  try {
    return execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).trim();
  } catch {
    return undefined;
  }
}

/**
 * The commit checked out in the config file's repository and a dirty flag: true when a tracked file
 * differs from that commit, or the config file itself is not in it (untracked or ignored), so the
 * commit alone would not reproduce the run. Untracked files elsewhere do not count (as `git describe --dirty`).
 */
export function gitState(configFile: string): { commit: string; dirty: boolean } | undefined {
  const dir = dirname(resolve(configFile));
  const commit = git(['rev-parse', '--verify', '--quiet', 'HEAD'], dir);
  if (commit === undefined || !/^[0-9a-f]{40,64}$/.test(commit)) return undefined;
  const changes = git(['--no-optional-locks', 'status', '--porcelain', '--untracked-files=no'], dir);
  if (changes === undefined) return undefined;
  const tracked = git(['ls-files', '--error-unmatch', '--', basename(configFile)], dir) !== undefined;
  return { commit, dirty: changes !== '' || !tracked };
}

/** radam-run's own lockfile: beside package.json, three levels above this file (dist/src/results/). */
function lockfileHash(): string | undefined {
  try {
    return createHash('sha256').update(readFileSync(new URL('../../../package-lock.json', import.meta.url))).digest('hex');
  } catch {
    return undefined; // an installed package carries no lockfile (npm leaves it out of tarballs)
  }
}

/** The provenance of a result made now from `configFile` (none for commands without a config). */
export function provenance(configFile?: string): Provenance {
  const gitInfo = configFile === undefined ? undefined : gitState(configFile);
  const lockfile = lockfileHash();
  const cpuList = cpus();
  return {
    ...(gitInfo ? { git: gitInfo } : {}),
    host: hostname(),
    cpu: { model: cpuList[0]?.model.trim() ?? 'unknown', cores: cpuList.length },
    ...(lockfile ? { lockfile_sha256: lockfile } : {}),
  };
}
