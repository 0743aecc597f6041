// The dataset schema: defaults filled in by zod, and invalid combinations rejected with their path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataSpec, MARKOV_MAX_CONTEXTS } from '../src/config/data.js';

test('a bare kind gets every default from the schema', () => {
  assert.deepEqual(DataSpec.parse({ kind: 'markov-text' }), {
    kind: 'markov-text',
    batch: 32,
    vocab: 16,
    order: 2,
    seq_len: 64,
    concentration: 0.1,
  });
  assert.deepEqual(DataSpec.parse({ kind: 'teacher' }), {
    kind: 'teacher',
    batch: 32,
    in: 10,
    hidden: 32,
    out: 1,
    noise: 0.1,
    task: 'regression',
  });
});

test('unknown fields are rejected (strict objects)', () => {
  assert.equal(DataSpec.safeParse({ kind: 'blobs', clases: 3 }).success, false);
});

test('a Markov chain with more than 2^20 contexts is rejected at data.order', () => {
  // 2^21 contexts: vocab 2, order 21
  const result = DataSpec.safeParse({ kind: 'markov-text', vocab: 2, order: 21 });
  assert.equal(result.success, false);
  const issue = result.error!.issues[0]!;
  assert.deepEqual(issue.path, ['order']);
  assert.match(issue.message, new RegExp(`${MARKOV_MAX_CONTEXTS}`));
});

test('teacher classification needs at least 2 classes', () => {
  const result = DataSpec.safeParse({ kind: 'teacher', task: 'classification', out: 1 });
  assert.equal(result.success, false);
  assert.deepEqual(result.error!.issues[0]!.path, ['out']);
  assert.equal(DataSpec.safeParse({ kind: 'teacher', task: 'classification', out: 3 }).success, true);
});

test('every field of every kind has a description (list prints them)', () => {
  for (const option of DataSpec.options) {
    assert.ok(option.description, `data kind ${option.shape.kind.value} has no description`);
    for (const [field, schema] of Object.entries(option.shape)) {
      if (field === 'kind') continue;
      assert.ok((schema as { description?: string }).description, `${option.shape.kind.value}.${field} has no description`);
    }
  }
});
