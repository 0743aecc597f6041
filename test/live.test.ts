// Live files of runs (results/live.ts, results/tensorboard.ts): metrics.jsonl grows while a run runs and
// holds exactly the rows the CSVs end with; the TensorBoard event files decode, with an independent
// Python reader, to the same numbers; and Adam-family runs log every step of their rectification window.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadExperiment } from '../src/config/load.js';
import { runCompare } from '../src/run/compare.js';
import { crc32c } from '../src/results/tensorboard.js';
import { repoRoot } from './helpers.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'radam-live-'));

/** A CSV's data rows (no quoting occurs in these files: names are plain). */
function csvRows(path: string): string[][] {
  return readFileSync(path, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
}

/** metrics.jsonl's lines as objects. */
function jsonl(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** A JSONL value as the CSV cell it stands for (null: empty). */
const cell = (v: unknown): string => (v === null ? '' : String(v));

test('metrics.jsonl grows while the run runs, and ends holding exactly its curves.csv and trace.csv rows', async () => {
  const dir = tmp();
  const config = join(dir, 'rb.json');
  // 1500 logged steps: at least three batches of 500 records reach the main thread before the run ends
  writeFileSync(config, JSON.stringify({ name: 'rb', steps: 1500, seeds: [0], log_every: 1, model: { kind: 'rosenbrock' }, optimizers: [{ kind: 'radam', lr: 0.01 }] }));
  const out = join(dir, 'out');
  const seen: number[] = [];
  let liveFile = '';
  await runCompare(loadExperiment(config), {
    out,
    workers: 1,
    events: {
      started(_, spec) {
        liveFile = join(out, readdirSync(out).find((e) => e.startsWith('live.partial-'))!, spec.run, 'metrics.jsonl');
      },
      // the live files are written before a display hears of the records: the file holds them already
      records(_, steps) {
        const lines = readFileSync(liveFile, 'utf8').trim().split('\n');
        assert.equal((JSON.parse(lines.at(-1)!) as { step: number }).step, steps.at(-1)!.step);
        assert.doesNotMatch(lines.at(-1)!, /"type":"end"/);
        seen.push(statSync(liveFile).size);
      },
    },
  });
  assert.ok(seen.length >= 3, `records arrived in ${seen.length} batches`);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, `the file grew between batches: ${seen.join(' < ')}`);

  const lines = jsonl(join(out, 'live', 'radam-s0', 'metrics.jsonl'));
  assert.deepEqual(lines[0], { ...lines[0], tool: 'radam-run', file: 'metrics.jsonl', run: 'radam-s0', optimizer: 'radam', seed: 0 });
  assert.deepEqual(lines.at(-1), { type: 'end', status: 'ok' });
  const steps = lines.slice(1, -1);
  const curves = csvRows(join(out, 'curves.csv'));
  const trace = csvRows(join(out, 'trace.csv'));
  assert.equal(steps.length, 1500);
  assert.deepEqual(
    steps.map((s) => ['radam-s0', 'radam', '0', String(s.step), 'train', cell(s.loss), cell(s.accuracy)]),
    curves,
  );
  const traceColumns = ['lr', 'rho_t', 'r_t', 'adaptive', 'grad_norm', 'update_norm', 'alr_mean', 'alr_cv'];
  assert.deepEqual(
    steps.map((s) => ['radam-s0', 'radam', '0', String(s.step), ...traceColumns.map((c) => cell(s[c]))]),
    trace,
  );
});

// An independent reader of TFRecord event files, in the Python standard library only: its own bitwise
// CRC-32C (checked against the standard check value), varints and the three messages' field numbers.
const READER = String.raw`
import json, struct, sys
def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF
assert crc32c(b"123456789") == 0xE3069283
def masked(data):
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF
def varint(buf, i):
    shift = value = 0
    while True:
        b = buf[i]; i += 1
        value |= (b & 0x7F) << shift; shift += 7
        if not b & 0x80: return value, i
def fields(buf):
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        num, wire = key >> 3, key & 7
        if wire == 0: v, i = varint(buf, i)
        elif wire == 1: v = buf[i:i+8]; i += 8
        elif wire == 5: v = buf[i:i+4]; i += 4
        elif wire == 2:
            n, i = varint(buf, i); v = buf[i:i+n]; i += n
        else: raise ValueError("wire type %d" % wire)
        yield num, wire, v
events = []
data = open(sys.argv[1], "rb").read()
i = 0
while i < len(data):
    header = data[i:i+8]
    (length,) = struct.unpack("<Q", header)
    assert struct.unpack("<I", data[i+8:i+12])[0] == masked(header), "length crc"
    body = data[i+12:i+12+length]
    assert struct.unpack("<I", data[i+12+length:i+16+length])[0] == masked(body), "data crc"
    i += 16 + length
    ev = {"step": 0, "values": {}}
    for num, wire, v in fields(body):
        if num == 1 and wire == 1: ev["wall_time"] = struct.unpack("<d", v)[0]
        elif num == 2 and wire == 0: ev["step"] = v
        elif num == 3 and wire == 2: ev["file_version"] = v.decode()
        elif num == 5 and wire == 2:
            for vn, vw, value in fields(v):
                assert vn == 1 and vw == 2
                tag = simple = None
                for fn, fw, fv in fields(value):
                    if fn == 1 and fw == 2: tag = fv.decode()
                    elif fn == 2 and fw == 5: simple = struct.unpack("<f", fv)[0]
                ev["values"][tag] = simple
    events.append(ev)
print(json.dumps(events))
`;

/** A python3 to run the reader with, or undefined. */
function python(): string | undefined {
  for (const p of ['/usr/bin/python3', 'python3']) if (spawnSync(p, ['-c', 'pass']).status === 0) return p;
  return undefined;
}

interface DecodedEvent {
  step: number;
  wall_time: number;
  file_version?: string;
  values: Record<string, number>;
}

test('the TensorBoard event files decode (independent reader) to the CSV rows; Adam-family runs log every step of their first 2/(1−β₂)', async (t) => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  const py = python();
  if (py === undefined) return t.skip('no python3 on this system: the event files were not decoded');
  const dir = tmp();
  const out = join(dir, 'out');
  // radam with β₂ = 0.9: its window is 2/(1−0.9) = 20 steps; adam keeps β₂ = 0.999 (2000 > 60 steps)
  const loaded = loadExperiment(join(repoRoot(), 'configs', 'mlp.yaml'), { steps: 60, seeds: [0], set: ['eval.every=20', 'eval.batches=2', 'optimizers.radam.betas=[0.9, 0.9]'] });
  await runCompare(loaded, { out, workers: 1 });
  const curves = csvRows(join(out, 'curves.csv'));
  const trace = csvRows(join(out, 'trace.csv'));
  const range = (a: number, b: number, by = 1): number[] => Array.from({ length: Math.floor((b - a) / by) + 1 }, (_, k) => a + k * by);
  const loggedSteps = (run: string): number[] => trace.filter((r) => r[0] === run).map((r) => Number(r[3]));
  assert.deepEqual(loggedSteps('sgd-s0'), [1, ...range(10, 60, 10)]);
  assert.deepEqual(loggedSteps('adam-s0'), range(1, 60));
  assert.deepEqual(loggedSteps('radam-s0'), [...range(1, 20), 30, 40, 50, 60]);

  const f32 = (text: string): number => Math.fround(Number(text));
  for (const run of ['sgd-s0', 'adam-s0', 'radam-s0']) {
    const runDir = join(out, 'live', run);
    const files = readdirSync(runDir).filter((f) => f.startsWith('events.out.tfevents.'));
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^events\.out\.tfevents\.\d+\.[^/]+\.radam-run$/);
    const decoded: { status: number | null; stdout: string; stderr: string } = spawnSync(py, ['-c', READER, join(runDir, files[0]!)], { encoding: 'utf8' });
    assert.equal(decoded.status, 0, decoded.stderr);
    const events = JSON.parse(decoded.stdout) as DecodedEvent[];
    assert.equal(events[0]!.file_version, 'brain.Event:2');
    const scalars = events.slice(1);
    // per step, the scalars of that step's rows: train (and val/test) from curves.csv, optim/ from trace.csv
    const expected = new Map<number, Record<string, number>>();
    const at = (step: number): Record<string, number> => expected.get(step) ?? (expected.set(step, {}), expected.get(step)!);
    for (const r of curves.filter((c) => c[0] === run)) {
      const v = at(Number(r[3]));
      v[`${r[4]}/loss`] = f32(r[5]!);
      if (r[6] !== '') v[`${r[4]}/accuracy`] = f32(r[6]!);
    }
    for (const r of trace.filter((c) => c[0] === run)) {
      const v = at(Number(r[3]));
      const [lr, rho, rect, , grad, update] = r.slice(4);
      Object.assign(v, { 'optim/lr': f32(lr!), 'optim/grad_norm': f32(grad!), 'optim/update_norm': f32(update!) });
      if (rho !== '') Object.assign(v, { 'optim/rho_t': f32(rho!), 'optim/r_t': f32(rect!) });
    }
    const got = new Map<number, Record<string, number>>();
    for (const e of scalars) got.set(e.step, { ...got.get(e.step), ...e.values });
    assert.deepEqual(got, expected, run);
    assert.ok(scalars.every((e) => e.wall_time > 1.6e9), 'events carry wall time (seconds since the epoch)');
  }
  assert.equal(existsSync(join(out, 'live', 'radam-s0', 'metrics.jsonl')), true);
});
