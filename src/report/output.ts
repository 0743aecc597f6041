// Atomic result directories: everything is written into a staging directory beside the target and
// renamed into place only when complete, manifest.json last. An interrupted or failed command leaves
// no directory that looks complete (the staging directory is removed).
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError } from '../config/errors.js';

export class OutputDir {
  readonly target: string;
  readonly staging: string;
  private done = false;

  private constructor(target: string) {
    this.target = resolve(target);
    this.staging = join(dirname(this.target), `.${basename(this.target)}.partial-${process.pid}`);
  }

  /** Check the target can be written and create the staging directory. */
  static open(target: string, force = false): OutputDir {
    const out = new OutputDir(target);
    if (existsSync(out.target)) {
      let entries: string[];
      try {
        entries = readdirSync(out.target);
      } catch {
        throw new ConfigError(`--out ${target}: expected a directory, got an existing file`);
      }
      if (entries.length > 0 && !force) {
        throw new ConfigError(`--out ${target}: expected a new or empty directory, got one holding ${entries.length} entries (pass --force to replace it)`);
      }
    }
    mkdirSync(dirname(out.target), { recursive: true });
    rmSync(out.staging, { recursive: true, force: true });
    mkdirSync(out.staging, { recursive: true });
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
  }

  /** Move the finished directory into place. */
  commit(): void {
    if (existsSync(this.target)) {
      const old = `${this.staging}.old`;
      renameSync(this.target, old);
      renameSync(this.staging, this.target);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(this.staging, this.target);
    }
    this.done = true;
  }

  /** Remove the staging directory (on failure or interrupt). */
  discard(): void {
    if (!this.done) rmSync(this.staging, { recursive: true, force: true });
  }
}

/** Write a file atomically (temp file + rename) — for single files outside a result directory. */
export function writeFileAtomic(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
