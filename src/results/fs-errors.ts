// File-system failures as the user's problem, not a bug: one-line messages for errno codes, the
// SaveError of results computed but not saved (exit 1), and the ConfigError of an unusable path (exit 2).
import { ConfigError } from '../base/errors.js';

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
export function pathProblem(flag: string, path: string, expected: string, got: string): ConfigError {
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
