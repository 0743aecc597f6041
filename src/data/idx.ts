// IDX files (the MNIST format), raw or gzipped: where a dataset's four files are, and reading them with
// every way they can be unusable reported as a one-line ConfigError naming the file. Pixels stay bytes.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ConfigError } from '../base/errors.js';

/** Magic numbers: 0x0000 then type 0x08 (unsigned byte) then the number of dimensions. */
const IMAGES_MAGIC = 0x00000803;
const LABELS_MAGIC = 0x00000801;

/** The four files of an MNIST-like dataset, each raw or with `.gz` appended. */
export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;
type IdxRole = keyof typeof IDX_FILES;

/** Where Debian's `dataset-fashion-mnist` package installs the real files. */
export const DEBIAN_FASHION_MNIST = '/usr/share/datasets/fashion-mnist';

/** N images of rows × cols unsigned bytes, image i at pixels[i·rows·cols …]. */
interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  pixels: Uint8Array;
}

/** A dataset's images with their labels (one byte each). */
export interface LabeledImages extends IdxImages {
  labels: Uint8Array;
  /** The images file they came from. */
  file: string;
}

export interface IdxSet {
  train: LabeledImages;
  test: LabeledImages;
}

function fail(file: string, expected: string, got: string): never {
  throw new ConfigError(`data.path: expected ${expected} in "${file}", got ${got}`);
}

/** The directories looked in for `kind`, in order: data.path alone when given. */
export function idxCandidates(kind: 'fashion-mnist' | 'mnist', path: string | undefined, env = process.env): string[] {
  if (path !== undefined) return [path];
  const dirs: string[] = [];
  const root = env['RADAM_RUN_DATA'];
  if (root !== undefined && root !== '') dirs.push(join(root, kind));
  if (kind === 'fashion-mnist') dirs.push(DEBIAN_FASHION_MNIST);
  return dirs;
}

/** The file for `role` in `dir` (raw preferred over .gz), or undefined. */
function fileIn(dir: string, role: IdxRole): string | undefined {
  for (const name of [IDX_FILES[role], `${IDX_FILES[role]}.gz`]) {
    const file = join(dir, name);
    if (existsSync(file)) return file;
  }
  return undefined;
}

/** How to get the files, for the missing-files message. */
function howToGet(kind: 'fashion-mnist' | 'mnist'): string {
  const files = Object.values(IDX_FILES).join(', ');
  if (kind === 'fashion-mnist') {
    return (
      `get them with \`apt-get install dataset-fashion-mnist\`, or download ${files} (raw or .gz) from ` +
      'https://github.com/zalandoresearch/fashion-mnist into a directory given as data.path'
    );
  }
  return `download the four MNIST files ${files} (raw or .gz) into a directory given as data.path`;
}

/**
 * The four files of `kind`: from the first candidate directory holding any of them, which must hold
 * all four. Checked by name only (cheap enough for `validate`); reading checks the contents.
 */
export function locateIdx(kind: 'fashion-mnist' | 'mnist', path: string | undefined, env = process.env): Record<IdxRole, string> {
  const dirs = idxCandidates(kind, path, env);
  const roles = Object.keys(IDX_FILES) as IdxRole[];
  for (const dir of dirs) {
    const found = roles.map((role) => fileIn(dir, role));
    if (found.every((f) => f === undefined)) continue;
    const missing = roles.filter((_, i) => found[i] === undefined).map((role) => IDX_FILES[role]);
    if (missing.length > 0) {
      throw new ConfigError(`data.path: expected the four ${kind} IDX files in "${dir}", got no ${missing.join(', ')} (raw or .gz); ${howToGet(kind)}`);
    }
    return { trainImages: found[0]!, trainLabels: found[1]!, testImages: found[2]!, testLabels: found[3]! };
  }
  const where = dirs.length === 0 ? 'no directory to look in (data.path and $RADAM_RUN_DATA are unset)' : `none in ${dirs.map((d) => `"${d}"`).join(' or ')}`;
  const unset = path === undefined && !(env['RADAM_RUN_DATA'] ?? '') ? ' ($RADAM_RUN_DATA is unset)' : '';
  throw new ConfigError(`data.path: expected the ${kind} IDX files, got ${where}${dirs.length > 0 ? unset : ''}; ${howToGet(kind)}`);
}

/** A file's bytes, gunzipped when its name ends in .gz. */
export function readIdxBytes(file: string): Uint8Array {
  let bytes: Buffer;
  try {
    if (!statSync(file).isFile()) fail(file, 'a regular IDX file', 'something else');
    bytes = readFileSync(file);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    return fail(file, 'a readable IDX file', String((err as NodeJS.ErrnoException).code ?? err));
  }
  if (!file.endsWith('.gz')) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (err) {
    return fail(file, 'a gzip-compressed IDX file', `a corrupt or truncated gzip stream (${(err as Error).message})`);
  }
}

/** Header fields: magic then `dims` big-endian uint32 sizes; the payload must be exactly their product. */
function parseHeader(bytes: Uint8Array, file: string, magic: number, what: string): number[] {
  const dims = magic & 0xff;
  const headerBytes = 4 * (1 + dims);
  if (bytes.length < headerBytes) fail(file, `an IDX ${what} file (a ${headerBytes}-byte header)`, `${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const got = view.getUint32(0, false);
  if (got !== magic) fail(file, `an IDX ${what} file (magic 0x${hex(magic)})`, `magic 0x${hex(got)}`);
  const sizes: number[] = [];
  for (let d = 0; d < dims; d++) sizes.push(view.getUint32(4 * (1 + d), false));
  const payload = sizes.reduce((a, b) => a * b, 1);
  if (bytes.length !== headerBytes + payload) {
    const unpacked = file.endsWith('.gz') ? ' (decompressed)' : '';
    fail(file, `${headerBytes} + ${sizes.join(' × ')} = ${headerBytes + payload} bytes${unpacked}`, `${bytes.length}${bytes.length < headerBytes + payload ? ' (truncated)' : ''}`);
  }
  return sizes;
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/** An images file (magic 0x803: count, rows, cols). */
function parseIdxImages(bytes: Uint8Array, file: string): IdxImages {
  const [count, rows, cols] = parseHeader(bytes, file, IMAGES_MAGIC, 'images') as [number, number, number];
  return { count, rows, cols, pixels: bytes.subarray(16) };
}

/** A labels file (magic 0x801: count), every label below `classes`. */
function parseIdxLabels(bytes: Uint8Array, file: string, classes: number): Uint8Array {
  parseHeader(bytes, file, LABELS_MAGIC, 'labels');
  const labels = bytes.subarray(8);
  const bad = labels.findIndex((l) => l >= classes);
  if (bad >= 0) fail(file, `labels below ${classes}`, `${labels[bad]} at index ${bad}`);
  return labels;
}

/** Images and labels of one split, checked against each other and the expected image size. */
function readSplit(imagesFile: string, labelsFile: string, rows: number, cols: number, classes: number): LabeledImages {
  const images = parseIdxImages(readIdxBytes(imagesFile), imagesFile);
  if (images.rows !== rows || images.cols !== cols) fail(imagesFile, `${rows} × ${cols} images`, `${images.rows} × ${images.cols}`);
  if (images.count === 0) fail(imagesFile, 'at least one image', 'none');
  const labels = parseIdxLabels(readIdxBytes(labelsFile), labelsFile, classes);
  if (labels.length !== images.count) fail(labelsFile, `${images.count} labels (one per image of "${imagesFile}")`, `${labels.length}`);
  return { ...images, labels, file: imagesFile };
}

/** The last set read, kept so that a run of many optimizers and seeds reads the files once per process. */
let cached: { key: string; set: IdxSet } | undefined;

/** Reads the four files of `files` (see locateIdx): 28 × 28 images and labels below 10. */
export function readIdxSet(files: Record<IdxRole, string>): IdxSet {
  const key = Object.values(files)
    .map((f) => {
      const st = statSync(f, { throwIfNoEntry: false });
      return `${f}\u0000${st?.size}\u0000${st?.mtimeMs}`;
    })
    .join('\u0000');
  if (cached?.key === key) return cached.set;
  const set: IdxSet = {
    train: readSplit(files.trainImages, files.trainLabels, 28, 28, 10),
    test: readSplit(files.testImages, files.testLabels, 28, 28, 10),
  };
  cached = { key, set };
  return set;
}
