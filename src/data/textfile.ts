// A character-level corpus from a UTF-8 text file. Vocabulary = the distinct characters (Unicode code
// points) of the whole file, sorted by code point, so ids do not depend on anything but the file.
// Train windows come from the first 90% of the text, validation windows from the last 10%, so the two
// streams never share a character. B = batch, T = seq_len.
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { CORPUS_MAX_BYTES, formatBytes, type TextFile } from '../config/data.js';
import { ConfigError } from '../base/errors.js';
import { fileKind } from '../base/quote.js';
import type { z } from 'zod';
import type { TokenBatch, TokenDataset } from './batch.js';
import { checkLength, trainStream, valBatches, type DrawBatch } from './stream.js';

type TextFileSpec = z.output<typeof TextFile>;

/** Fraction of the text (from its start) used for training; the rest is validation. */
const TRAIN_FRACTION = 0.9;
/** The file must hold at least this many windows' worth of characters (so validation holds ≥ 1 window). */
const MIN_WINDOWS = 10;

export interface Corpus {
  /** The vocabulary: token id i is chars[i]; sorted by code point. */
  chars: string[];
  /** The whole text as token ids. */
  tokens: Int32Array;
  /** tokens[0, trainEnd) is the training text, tokens[trainEnd, length) the validation text. */
  trainEnd: number;
}

function fail(expected: string, got: string): never {
  throw new ConfigError(`data.path: expected ${expected}, got ${got}`);
}

/** Reads and tokenises the file; every way it can be unusable is a ConfigError naming data.path. */
export function readCorpus(path: string, seqLen: number): Corpus {
  const corpus = loadCorpus(path);
  requireWindows(corpus.tokens.length, seqLen, path);
  return corpus;
}

/** The file's corpus, whatever the window length (see readCorpus). */
export function loadCorpus(path: string): Corpus {
  const bytes = readTextBytes(path);
  if (bytes.length === 0) fail('a non-empty UTF-8 text file', `an empty file "${path}"`);
  const nul = bytes.indexOf(0);
  if (nul >= 0) fail('a UTF-8 text file', `binary data in "${path}" (NUL byte at offset ${nul})`);
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    fail('a UTF-8 text file', `invalid UTF-8 in "${path}"`);
  }
  // Token ids by code point in two passes over the string, through a table indexed by code point
  // (no array of one-character strings: the corpus may be tens of MiB). The decoder is fatal, so
  // there are no lone surrogates.
  const idOf = new Int32Array(0x110000).fill(-1);
  let count = 0;
  for (let i = 0; i < text.length; i++, count++) {
    const cp = text.codePointAt(i)!;
    if (cp > 0xffff) i++;
    idOf[cp] = 0;
  }
  const codePoints: number[] = [];
  for (let cp = 0; cp < idOf.length; cp++) if (idOf[cp] === 0) idOf[cp] = codePoints.push(cp) - 1;
  const tokens = new Int32Array(count);
  for (let i = 0, n = 0; i < text.length; i++, n++) {
    const cp = text.codePointAt(i)!;
    if (cp > 0xffff) i++;
    tokens[n] = idOf[cp]!;
  }
  return { chars: codePoints.map((cp) => String.fromCodePoint(cp)), tokens, trainEnd: Math.floor(TRAIN_FRACTION * tokens.length) };
}

/** A corpus of `characters` must hold MIN_WINDOWS windows of seq_len + 1 characters. */
export function requireWindows(characters: number, seqLen: number, path: string): void {
  const minChars = MIN_WINDOWS * (seqLen + 1);
  if (characters < minChars) {
    fail(
      `at least ${minChars} characters (${MIN_WINDOWS} windows of seq_len + 1 = ${seqLen + 1}, so that the last 10% holds a validation window)`,
      `${characters} in "${path}"`,
    );
  }
}

/**
 * The bytes of a regular file of at most CORPUS_MAX_BYTES. Checked with stat before it is opened, so
 * a device (/dev/zero), a FIFO (whose open would wait for a writer) or a directory is refused without
 * reading; and at most CORPUS_MAX_BYTES + 1 bytes are read, so a file that grows meanwhile is too.
 */
function readTextBytes(path: string): Buffer {
  const checkStats = (st: Stats): void => {
    if (!st.isFile()) fail('a regular UTF-8 text file', `${fileKind(st)} "${path}"`);
    if (st.size > CORPUS_MAX_BYTES) fail(`a text file of at most ${formatBytes(CORPUS_MAX_BYTES)}`, `${formatBytes(st.size)} in "${path}"`);
  };
  let fd: number;
  try {
    checkStats(statSync(path));
    // O_NONBLOCK: should the path become a FIFO after the stat, opening it does not wait for a writer
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    return fail('a readable UTF-8 text file', `"${path}" (${describeErrno(err)})`);
  }
  try {
    const st = fstatSync(fd);
    checkStats(st);
    // Read to the end, not just st.size bytes (a file may be longer than its stat says, as /proc files are).
    let bytes = Buffer.alloc(st.size + 1);
    let length = 0;
    for (;;) {
      if (length === bytes.length) {
        if (length > CORPUS_MAX_BYTES) fail(`a text file of at most ${formatBytes(CORPUS_MAX_BYTES)}`, `more than that in "${path}"`);
        const grown = Buffer.alloc(Math.min(2 * length, CORPUS_MAX_BYTES + 1));
        bytes.copy(grown);
        bytes = grown;
      }
      const n = readSync(fd, bytes, length, bytes.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return bytes.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

function describeErrno(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'ENOTDIR') return 'a path through something that is not a directory';
  if (code === 'ELOOP') return 'a symbolic link loop';
  return String(code ?? err);
}

export function textFileDataset(spec: TextFileSpec, seed: number): TokenDataset {
  const { batch, seq_len: seqLen } = spec;
  const { chars, tokens, trainEnd } = readCorpus(spec.path, seqLen);
  // A window is T + 1 consecutive tokens starting at `first`: inputs = window[0..T), targets = window[1..T].
  const windows = (first: number, end: number): DrawBatch<TokenBatch> => {
    const starts = end - first - seqLen; // window starts in [first, end − T − 1]
    return (rng, out) => {
      checkLength('inputs', out.inputs, batch * seqLen);
      checkLength('targets', out.targets, batch * seqLen);
      for (let b = 0; b < batch; b++) {
        const start = first + rng.int(starts);
        const row = b * seqLen;
        for (let t = 0; t < seqLen; t++) {
          out.inputs[row + t] = tokens[start + t]!;
          out.targets[row + t] = tokens[start + t + 1]!;
        }
      }
    };
  };
  return {
    kind: 'tokens',
    batch,
    vocab: chars.length,
    seqLen,
    fillTrain: trainStream(seed, windows(0, trainEnd)),
    fillVal: valBatches(seed, windows(trainEnd, tokens.length)),
    info: {},
  };
}
