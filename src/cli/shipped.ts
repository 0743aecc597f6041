// The configs and experiments shipped in the package (configs/, experiments/), usable by bare name
// after a global install: `radam-run compare lstm` is the package's configs/lstm.json unless a local
// file answers to that name.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../base/errors.js';
import { printable } from '../base/quote.js';

export type ShippedFolder = 'configs' | 'experiments';

export interface ShippedFile {
  folder: ShippedFolder;
  /** The file name without its extension: what a user types. */
  name: string;
  path: string;
}

const EXTENSIONS = ['.yaml', '.yml', '.json'];

/** The installed package: this file is dist/src/cli/shipped.js. */
export const PACKAGE_DIR = fileURLToPath(new URL('../../../', import.meta.url));

/** The config files of one shipped folder, by name. */
export function shippedFiles(folder: ShippedFolder, packageDir = PACKAGE_DIR): ShippedFile[] {
  const dir = join(packageDir, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => EXTENSIONS.includes(extname(f)))
    .sort()
    .map((f) => ({ folder, name: basename(f, extname(f)), path: join(dir, f) }));
}

/** A word with no directory part, which may name a shipped file. */
function isBareName(arg: string): boolean {
  return arg !== '' && arg !== '.' && arg !== '..' && !/[/\\]/.test(arg);
}

/** A local entry that may be a config: anything but a directory (`compare lstm --out lstm` leaves one behind). */
function isLocal(path: string): boolean {
  try {
    return !statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The file a config argument means. A local file always wins: ARG itself, or for a bare name ARG.yaml,
 * ARG.yml, ARG.json in the current directory (a directory of that name does not count). Otherwise a bare name is looked up in the shipped
 * `folders`, in order, with or without its extension; a path is left to the loader (whose error names
 * it). An unknown bare name is a one-line ConfigError listing the shipped names.
 */
export function resolveConfigArg(arg: string, folders: ShippedFolder[], packageDir = PACKAGE_DIR): string {
  if (!isBareName(arg) || isLocal(arg)) return arg;
  const local = EXTENSIONS.map((ext) => arg + ext).find(isLocal);
  if (local !== undefined) return local;
  for (const folder of folders) {
    const match = shippedFiles(folder, packageDir).find((f) => f.name === arg || basename(f.path) === arg);
    if (match) return match.path;
  }
  const names = folders.map((folder) => `${folder}: ${shippedFiles(folder, packageDir).map((f) => f.name).join(', ') || 'none'}`);
  throw new ConfigError(`${printable(arg)}: expected a config file or the name of a shipped one (${names.join('; ')}), got neither`);
}
