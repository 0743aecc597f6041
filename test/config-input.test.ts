// Config files and flags as bytes from the outside world: a byte order mark, binary data, huge files,
// things that are not files, text that must not be echoed whole, and "did you mean" hints that
// only name keys valid where the misspelt key sits. Every error is one line, exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadExperiment, MAX_CONFIG_BYTES, MAX_CONFIG_DEPTH } from '../src/config/load.js';
import { ConfigError } from '../src/base/errors.js';
import { closest } from '../src/config/format.js';
import { printable, quote } from '../src/base/quote.js';
import { CosineSchedule } from '../src/config/optimizers.js';
import { Rosenbrock } from '../src/config/models.js';
import { repoRoot } from './helpers.js';
import { tmp } from './plot-fixtures.js';

const root = repoRoot();
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const base = { name: 'c', steps: 5, model: { kind: 'rosenbrock' }, optimizers: [{ kind: 'adam' }] };

/**
 * `radam-run validate FILE`, with a deadline as a hang guard: a config that is a pipe or a device
 * used to hang the read, and a hang must fail the test rather than stall the suite (the shared cli()
 * has no deadline).
 */
function validate(file: string): { code: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'radam-run.js'), 'validate', file], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(r.error, undefined, `validate ${file} did not finish: ${String(r.error)}`);
  return { code: r.status, stderr: r.stderr };
}

/** Exit 2 and exactly one stderr line matching `pattern`, no stack trace. Returns the line. */
function oneLineError(r: { code: number | null; stderr: string }, pattern: RegExp): string {
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.split('\n');
  assert.equal(lines.length, 2, `expected one line, got:\n${r.stderr}`);
  assert.equal(lines[1], '');
  assert.match(lines[0]!, pattern);
  return lines[0]!;
}

/** The problems loadExperiment reports for `file` (it must throw a ConfigError). */
function problems(file: string, set: string[] = []): string[] {
  try {
    loadExperiment(file, { set });
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    for (const p of err.problems) assert.doesNotMatch(p, /[\n\r]/, 'a problem is one line');
    return err.problems;
  }
  assert.fail(`${file} loaded without error`);
}

function write(dir: string, name: string, content: string | Buffer): string {
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

test('a UTF-8 byte order mark at the start of a YAML or JSON config is ignored', () => {
  const dir = tmp('radam-config-');
  for (const config of ['configs/rosenbrock.yaml', 'configs/lstm.json']) {
    const bytes = readFileSync(join(root, config));
    const name = config.slice('configs/'.length);
    const plain = loadExperiment(write(dir, name, bytes));
    const withBom = loadExperiment(write(dir, `bom-${name}`, Buffer.concat([BOM, bytes])));
    assert.deepEqual(withBom.experiment, plain.experiment, config);
    assert.equal(validate(join(dir, `bom-${name}`)).code, 0);
  }
});

test('binary data, UTF-16 and bytes that are not UTF-8 are refused without echoing them', () => {
  const dir = tmp('radam-config-');
  // every byte value once, starting at 1 so the first NUL is the last byte: offset 255
  const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => (i + 1) % 256));
  oneLineError(validate(write(dir, 'bin.yaml', binary)), /^radam-run: .*bin\.yaml: expected a text config file, got binary data \(a NUL byte at offset 255\)$/);
  oneLineError(validate(write(dir, 'nul.json', '{"name": "a\0b"}')), /nul\.json: expected a text config file, got binary data \(a NUL byte at offset 11\)$/);
  // "name: x" as UTF-16LE with its BOM, as Windows editors save "Unicode"
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('name: x\n', 'utf16le')]);
  oneLineError(validate(write(dir, 'u16.yaml', utf16)), /u16\.yaml: expected UTF-8 text, got UTF-16 \(save the file as UTF-8\)$/);
  // Latin-1 "é" (0xe9) on the third line is not UTF-8
  const latin1 = Buffer.concat([Buffer.from('name: c\nsteps: 5\ndescription: caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
  oneLineError(validate(write(dir, 'latin1.yaml', latin1)), /latin1\.yaml: expected UTF-8 text, got bytes that are not UTF-8 \(line 3\)$/);
});

test('a config larger than the limit is refused from its size, before it is read', () => {
  const dir = tmp('radam-config-');
  const file = join(dir, 'huge.yaml');
  writeFileSync(file, '');
  truncateSync(file, MAX_CONFIG_BYTES + 1024 * 1024); // sparse: 17 MiB of NUL bytes that cost no disk
  assert.equal(MAX_CONFIG_BYTES, 16 * 1024 * 1024);
  // were it read, the NUL bytes would be reported as binary data instead
  oneLineError(validate(file), /huge\.yaml: expected a config file of at most 16 MiB, got 17\.0 MiB$/);
});

test('a directory, a named pipe or a device as the config is refused at once instead of read', () => {
  const dir = tmp('radam-config-');
  mkdirSync(join(dir, 'dir.yaml'));
  oneLineError(validate(join(dir, 'dir.yaml')), /dir\.yaml: expected a config file, got a directory$/);
  // a FIFO nobody writes to: opening it for reading would block forever
  if (spawnSync('mkfifo', [join(dir, 'fifo.yaml')]).status === 0) {
    oneLineError(validate(join(dir, 'fifo.yaml')), /fifo\.yaml: expected a config file, got a FIFO \(named pipe\)$/);
  }
  // /dev/zero never ends: reading it would not finish
  if (existsSync('/dev/zero')) {
    symlinkSync('/dev/zero', join(dir, 'zero.yaml'));
    oneLineError(validate(join(dir, 'zero.yaml')), /zero\.yaml: expected a config file, got a character device$/);
  }
});

test('quoted user text is escaped and capped: long values, newlines, control characters, odd keys', () => {
  const dir = tmp('radam-config-');
  const long = 'x'.repeat(5000);
  // a name may not start with "-": the first 60 characters of the value, then an ellipsis
  const [name] = problems(write(dir, 'long.yaml', stringify({ ...base, name: '-'.repeat(5000) })));
  assert.match(name!, new RegExp(`^name: expected .*, got "${'-'.repeat(60)}…"$`));
  const [newline] = problems(write(dir, 'newline.yaml', stringify({ ...base, name: 'a\nb\u0007' })));
  assert.match(newline!, /^name: expected .*, got "a\\nb\\u0007"$/);
  const [key] = problems(write(dir, 'key.yaml', stringify({ ...base, model: { kind: 'rosenbrock', 'bad\nkey': 1 } })));
  assert.match(key!, /^model\["bad\\nkey"\]: expected a known key .*, got unknown key "bad\\nkey"$/);
  // a top-level scalar of 5000 characters: the text of the file is not echoed
  const [scalar] = problems(write(dir, 'scalar.yaml', long));
  assert.match(scalar!, new RegExp(`scalar\\.yaml: expected a mapping of config fields at the top level, got "${'x'.repeat(60)}…"$`));
  // an optimizer named 5000 times "a", twice: the repeated name is capped too
  const names = problems(write(dir, 'names.yaml', stringify({ ...base, optimizers: [{ kind: 'adam', name: long }, { kind: 'sgd', name: long }] })));
  assert.ok(names.some((p) => p.startsWith(`optimizers[1].name: expected a unique name, got "${'x'.repeat(60)}…" again`)), names.join('\n'));
  // 5000 seeds, one repeated: the message names the repeat, not the list
  const seeds = [...Array.from({ length: 5000 }, (_, i) => i), 17];
  assert.deepEqual(problems(write(dir, 'seeds.yaml', stringify({ ...base, seeds }))), ['seeds: expected distinct seeds, got 17 more than once']);
});

test('--set echoes its path and value escaped and capped', () => {
  const config = join(root, 'configs', 'rosenbrock.yaml');
  const noEquals = 'q'.repeat(500);
  assert.deepEqual(problems(config, [noEquals]), [`--set ${'q'.repeat(80)}…: expected path=value (e.g. optimizers.radam.lr=3e-3), got no "="`]);
  const [item] = problems(config, ['optimizers.no\u0001pe.lr=3']);
  assert.match(item!, /^--set optimizers\.no\\u0001pe\.lr: expected an item of optimizers named one of "sgd", "adam", "radam" or an index < 3, got "no\\u0001pe"$/);
  const [value] = problems(config, [`name=${'y'.repeat(500)} z`]);
  assert.match(value!, new RegExp(`^name: expected .*, got "${'y'.repeat(60)}…"$`));
});

test('syntax errors are one short line: no excerpt of the file, no parser warnings on stderr', () => {
  const dir = tmp('radam-config-');
  // V8 quotes the text around the error, here with two newlines
  oneLineError(validate(write(dir, 'bad.json', '{"a":\n\n  tru}')), /bad\.json: expected valid JSON, got a syntax error \(.*\\n\\n.*\)$/);
  oneLineError(validate(write(dir, 'dup.yaml', 'name: a\nname: b\n')), /dup\.yaml: expected valid YAML, got a syntax error \(Map keys must be unique at line 2, column 1\)$/);
  // the yaml library reports an unknown tag as a warning (printed as a multi-line excerpt) and
  // reads the value as a string; here it is an error
  oneLineError(validate(write(dir, 'tag.yaml', 'name: !!bogus c\n')), /tag\.yaml: expected valid YAML, got a syntax error \(Unresolved tag: tag:yaml\.org,2002:bogus at line 1, column 7\)$/);
  const alias = oneLineError(validate(write(dir, 'alias.yaml', `name: *${'z'.repeat(5000)}\n`)), /alias\.yaml: expected valid YAML, got a syntax error \(Unresolved alias .*…\)$/);
  assert.ok(alias.length < 250, alias);
});

test(`a config nested deeper than ${MAX_CONFIG_DEPTH} levels is refused before it is validated, printed or hashed`, () => {
  const dir = tmp('radam-config-');
  // 100 000 nested lists as a swept value (swept values are not checked by the schema)
  const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
  const file = write(dir, 'deep.json', `{"name": "d", "steps": 1, "model": {"kind": "rosenbrock"}, "optimizers": [{"kind": "adam"}], "sweep": {"params": {"lr": [${deep}]}}}`);
  // the first value too deep sits MAX_CONFIG_DEPTH keys down: sweep, params, lr, then [0]s
  const path = `sweep.params.lr${'[0]'.repeat(MAX_CONFIG_DEPTH - 3)}`;
  oneLineError(validate(file), new RegExp(`^radam-run: ${path.replace(/[.[\]]/g, '\\$&')}: expected at most ${MAX_CONFIG_DEPTH} levels of nesting, got more$`));
});

test('"did you mean" names a key valid where the misspelt key sits, and never the key as typed', () => {
  const dir = tmp('radam-config-');
  const rosenbrockKeys = Object.keys(Rosenbrock.shape).join(', ');
  // lr is a key elsewhere (optimizers), not in a model: no "did you mean "lr"", the model's keys instead
  assert.deepEqual(problems(write(dir, 'lr.yaml', stringify({ ...base, model: { kind: 'rosenbrock', lr: 1 } }))), [`model.lr: expected a known key (${rosenbrockKeys}), got unknown key "lr"`]);
  // steps is a top-level key and a linear-warmup key, but not a cosine schedule's
  const cosine = stringify({ ...base, optimizers: [{ kind: 'adam', schedule: { kind: 'cosine', steps: 3 } }] });
  assert.deepEqual(problems(write(dir, 'cosine.yaml', cosine)), [`optimizers[0].schedule.steps: expected a known key (${Object.keys(CosineSchedule.shape).join(', ')}), got unknown key "steps"`]);
  // "momentun" is one edit from sgd's momentum: suggested for sgd, not for adam, which has no momentum
  const sgd = problems(write(dir, 'sgd.yaml', stringify({ ...base, optimizers: [{ kind: 'sgd', momentun: 0.9 }] })));
  assert.deepEqual(sgd, ['optimizers[0].momentun: expected a known key, got unknown key "momentun" (did you mean "momentum"?)']);
  const adam = problems(write(dir, 'adam.yaml', stringify({ ...base, optimizers: [{ kind: 'adam', momentun: 0.9 }] })));
  assert.equal(adam.length, 1);
  assert.doesNotMatch(adam[0]!, /did you mean/);
  // a key that differs only in case is still a misspelling, and its suggestion differs from it
  assert.deepEqual(problems(write(dir, 'case.yaml', stringify({ ...base, Steps: 3 }))), ['Steps: expected a known key, got unknown key "Steps" (did you mean "steps"?)']);
});

test('closest() never returns the word itself', () => {
  assert.equal(closest('lr', ['lr']), undefined);
  assert.equal(closest('lr', ['lr', 'lrs']), 'lrs');
  assert.equal(closest('Steps', ['steps']), 'steps');
});

test('printable() and quote() escape invisible characters and cap by length, never splitting a character', () => {
  assert.equal(printable('a\nb\tc\r\u0000\u2028\u202e'), 'a\\nb\\tc\\r\\u0000\\u2028\\u202e');
  assert.equal(quote('say "hi" \\ ok'), '"say \\"hi\\" \\\\ ok"');
  assert.equal(printable('abcdef', 3), 'abc…');
  // '😀' is two UTF-16 units: with room for one unit only it is left out whole
  assert.equal(printable('a😀', 2), 'a…');
  assert.equal(printable('a😀', 3), 'a😀');
});

test('a value matching none of a plain union says which forms are accepted (never "expected Invalid input")', () => {
  const dir = tmp('union');
  const sweep = write(dir, 'sweep.yaml', stringify({ ...base, sweep: { params: { lr: 5 } } }));
  assert.deepEqual(problems(sweep), [
    'sweep.params.lr: expected a list of values, {log_uniform: [low, high]}, {uniform: [low, high]}, {int_uniform: [low, high]} or {choice: [values]}, got 5',
  ]);
  const claim = write(dir, 'claim.yaml', stringify({ ...base, claims: [{ metric: 'diverged', optimizer: 'adam', equals: 'no' }] }));
  assert.deepEqual(problems(claim), ['claims[0].equals: expected a boolean or a number, got "no"']);
});
