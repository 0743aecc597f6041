// A character-level corpus from a UTF-8 text file. Vocabulary = the distinct characters (Unicode code
// points) of the whole file, sorted by code point, so ids do not depend on anything but the file.
// Train windows come from the first 90% of the text, validation windows from the last 10%, so the two
// streams never share a character. B = batch, T = seq_len.
import { readFileSync } from 'node:fs';
import type { TextFile } from '../config/data.js';
import { ConfigError } from '../config/errors.js';
import type { z } from 'zod';
import type { TokenBatch, TokenDataset } from './batch.js';
import { checkLength, trainStream, valBatches, type DrawBatch } from './stream.js';

export type TextFileSpec = z.output<typeof TextFile>;

/** Fraction of the text (from its start) used for training; the rest is validation. */
export const TRAIN_FRACTION = 0.9;
/** The file must hold at least this many windows' worth of characters (so validation holds ≥ 1 window). */
export const MIN_WINDOWS = 10;

export interface Corpus {
  /** The vocabulary: token id i is chars[i]; sorted by code point. */
  chars: string[];
  /** The whole text as token ids. */
  tokens: Int32Array;
  /** tokens[0, trainEnd) is the training text, tokens[trainEnd, length) the validation text. */
  trainEnd: number;
}

/** Reads and tokenises the file; every way it can be unusable is a ConfigError naming data.path. */
export function readCorpus(path: string, seqLen: number): Corpus {
  const fail = (expected: string, got: string): never => {
    throw new ConfigError(`data.path: expected ${expected}, got ${got}`);
  };
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : code === 'EACCES' ? 'permission denied' : String(code ?? err);
    return fail('a readable UTF-8 text file', `"${path}" (${why})`);
  }
  if (bytes.length === 0) fail('a non-empty UTF-8 text file', `an empty file "${path}"`);
  const nul = bytes.indexOf(0);
  if (nul >= 0) fail('a UTF-8 text file', `binary data in "${path}" (NUL byte at offset ${nul})`);
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    fail('a UTF-8 text file', `invalid UTF-8 in "${path}"`);
  }
  const codePoints = Array.from(text);
  const minChars = MIN_WINDOWS * (seqLen + 1);
  if (codePoints.length < minChars) {
    fail(
      `at least ${minChars} characters (${MIN_WINDOWS} windows of seq_len + 1 = ${seqLen + 1}, so that the last 10% holds a validation window)`,
      `${codePoints.length} in "${path}"`,
    );
  }
  const chars = [...new Set(codePoints)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  const id = new Map(chars.map((ch, i) => [ch, i]));
  const tokens = Int32Array.from(codePoints, (ch) => id.get(ch)!);
  return { chars, tokens, trainEnd: Math.floor(TRAIN_FRACTION * tokens.length) };
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
