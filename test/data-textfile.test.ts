// text-file: the vocabulary and the train/validation split of a character corpus, and every way a
// file can be unusable reported as a ConfigError naming data.path.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSpec } from '../src/config/data.js';
import { ConfigError } from '../src/base/errors.js';
import type { TokenDataset } from '../src/data/batch.js';
import { buildDataset } from '../src/data/datasets.js';
import { readCorpus } from '../src/data/textfile.js';
import { allocTokenBatch } from './data-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'radam-text-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function build(path: string, seqLen = 9, batch = 16): TokenDataset {
  return buildDataset(DataSpec.parse({ kind: 'text-file', path, seq_len: seqLen, batch }), 0) as TokenDataset;
}

/** Asserts that building from `path` fails with a ConfigError about data.path that names the file. */
function assertPathError(path: string, what: RegExp): void {
  assert.throws(
    () => build(path),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
      assert.match(err.message, /^data\.path: expected /);
      assert.ok(err.message.includes(path), `message names the file: ${err.message}`);
      assert.match(err.message, what);
      assert.equal(err.message.split('\n').length, 1);
      return true;
    },
  );
}

test('a missing file is a ConfigError', () => {
  assertPathError(join(dir, 'nope.txt'), /no such file/);
});

test('a directory is a ConfigError', () => {
  assertPathError(dir, /directory/);
});

test('an empty file is a ConfigError', () => {
  assertPathError(file('empty.txt', ''), /empty/);
});

test('a file shorter than 10 windows of seq_len + 1 characters is a ConfigError', () => {
  // seq_len 9: at least 10·10 = 100 characters
  assertPathError(file('short.txt', 'x'.repeat(99)), /at least 100 characters.*got 99/);
  assert.doesNotThrow(() => build(file('just-enough.txt', 'x'.repeat(100))));
});

test('a file with NUL bytes is binary: a ConfigError', () => {
  assertPathError(file('nul.bin', new Uint8Array(200).fill(65).fill(0, 50, 51)), /binary.*NUL byte at offset 50/);
});

test('a file that is not valid UTF-8 is a ConfigError', () => {
  // 0xff never occurs in UTF-8
  assertPathError(file('latin1.txt', new Uint8Array(200).fill(0x61).fill(0xff, 10, 11)), /invalid UTF-8/);
});

test('vocabulary: the distinct characters of the file sorted by code point; multi-byte characters are one token', () => {
  const text = 'héllo wörld 🙂 zebra\n'.repeat(20);
  const corpus = readCorpus(file('unicode.txt', text), 9);
  assert.deepEqual(corpus.chars, ['\n', ' ', 'a', 'b', 'd', 'e', 'h', 'l', 'o', 'r', 'w', 'z', 'é', 'ö', '🙂']);
  // decoding the tokens gives the text back
  assert.equal(Array.from(corpus.tokens, (i) => corpus.chars[i]).join(''), text);
  assert.equal(build(file('unicode2.txt', text)).vocab, 15);
});

test('training windows come from the first 90% of the text, validation windows from the last 10%', () => {
  // 900 characters over "abcde" then 100 over "vwxyz": a window's alphabet tells where it came from
  let text = '';
  for (let i = 0; i < 900; i++) text += 'abcde'[(i * 7) % 5];
  for (let i = 0; i < 100; i++) text += 'vwxyz'[(i * 3) % 5];
  const path = file('split.txt', text);
  const corpus = readCorpus(path, 9);
  assert.equal(corpus.trainEnd, 900);
  const ds = build(path);
  const trainIds = new Set([...'abcde'].map((ch) => corpus.chars.indexOf(ch)));
  const out = allocTokenBatch(ds);
  for (let step = 1; step <= 20; step++) {
    ds.fillTrain(step, out);
    assert.ok(out.inputs.every((i) => trainIds.has(i)) && out.targets.every((i) => trainIds.has(i)), `train step ${step}`);
  }
  for (let index = 0; index < 20; index++) {
    ds.fillVal(index, out);
    assert.ok(out.inputs.every((i) => !trainIds.has(i)) && out.targets.every((i) => !trainIds.has(i)), `val batch ${index}`);
  }
});

test('every window is a contiguous piece of the text: inputs then the one character after', () => {
  const text = 'The quick brown fox jumps over the lazy dog. '.repeat(10);
  const path = file('fox.txt', text);
  const corpus = readCorpus(path, 9);
  const ds = build(path);
  const out = allocTokenBatch(ds);
  ds.fillTrain(1, out);
  for (let b = 0; b < ds.batch; b++) {
    const row = Array.from(out.inputs.subarray(b * 9, b * 9 + 9), (i) => corpus.chars[i]).join('');
    const next = corpus.chars[out.targets[b * 9 + 8]!]!;
    assert.ok(text.includes(row + next), `window ${JSON.stringify(row + next)}`);
  }
});
