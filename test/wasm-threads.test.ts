// Threaded wasm kernels (src/wasm/threads.ts, jobs.ts): a product split across threads is the
// single-threaded product bit for bit, whatever the shape, transposes, accumulation or thread count;
// the row partition keeps the 4-row blocks the kernel tiles by; small products stay on the run thread;
// and the helper threads are gone after dispose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/base/rng.js';
import { Arena } from '../src/nn/arena.js';
import { WasmKernels } from '../src/wasm/wasm-kernels.js';
import { claimPart, CONTROL_SLOTS, convParts, floatParts, matmulParts, MIN_SPLIT_FLOPS, openParts, PARTS_PER_THREAD, partRange, partRows, type JobExports } from '../src/wasm/jobs.js';
import { conv2dBuffers, conv2dGeometry, conv2dParams, type Conv2dGeometry } from '../src/nn/conv2d.js';

interface Shape {
  M: number;
  N: number;
  K: number;
}

/** One product's operands in an arena of `kernels` (C starts from seeded values: accumulate adds to them). */
function operands(kernels: WasmKernels, s: Shape, seed: number): { a: Float32Array; b: Float32Array; c: Float32Array } {
  const { value } = Arena.build((arena) => ({ a: arena.floats(s.M * s.K), b: arena.floats(s.K * s.N), c: arena.floats(s.M * s.N) }), kernels);
  const rng = new Rng(seed);
  for (const x of [value.a, value.b, value.c]) for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  return value;
}

/** C after op(A)·op(B) (+ C) on `threads` threads, and how many products were split. */
function product(s: Shape, transA: boolean, transB: boolean, accumulate: boolean, threads: number): { c: Uint8Array; split: number } {
  const kernels = new WasmKernels(threads);
  try {
    const { a, b, c } = operands(kernels, s, s.M * 7919 + s.N * 31 + s.K);
    kernels.matmul(c, a, b, s.M, s.N, s.K, transA, transB, accumulate);
    return { c: new Uint8Array(c.buffer, c.byteOffset, c.byteLength).slice(), split: kernels.splitJobs };
  } finally {
    kernels.dispose();
  }
}

// Odd N, K % 4 ∈ {1, 2, 3} (the A·Bᵀ tiles sum a K % 4 ≥ 2 tail in another order than single rows),
// M < 8, M not a multiple of 4, and products on both sides of the split threshold.
const SHAPES: Shape[] = [
  { M: 5, N: 1000, K: 503 }, // M < 8: one block of 4 and a single row, split in two
  { M: 7, N: 1501, K: 250 },
  { M: 13, N: 411, K: 450 },
  { M: 64, N: 149, K: 262 },
  { M: 130, N: 97, K: 251 },
  { M: 128, N: 100, K: 500 },
  { M: 12, N: 9, K: 6 }, // below the threshold: not split
  { M: 3, N: 1000, K: 1000 }, // one block of rows: nothing to split
];

for (const transA of [false, true]) {
  for (const transB of [false, true]) {
    test(`threaded matmul${transA ? ' Aᵀ' : ' A'}·${transB ? 'Bᵀ' : 'B'} is the single-threaded one bit for bit (overwrite and accumulate, 2 and 3 threads)`, () => {
      for (const s of SHAPES) {
        for (const accumulate of [false, true]) {
          const one = product(s, transA, transB, accumulate, 1);
          for (const threads of [2, 3]) {
            const many = product(s, transA, transB, accumulate, threads);
            const what = `${s.M}×${s.N}×${s.K} accumulate=${accumulate} threads=${threads}`;
            assert.equal(many.split, matmulParts(s.M, s.N, s.K, threads) > 1 ? 1 : 0, `${what}: split as matmulParts says`);
            assert.ok(Buffer.compare(many.c, one.c) === 0, `${what}: C differs from one thread's`);
          }
        }
      }
    });
  }
}

test('the shapes above split across the threads where big enough, and stay whole where not', () => {
  // The test above must exercise real splits, not only the run thread's own path.
  const split = SHAPES.filter((s) => matmulParts(s.M, s.N, s.K, 2) > 1).length;
  assert.equal(split, 6);
  assert.equal(matmulParts(12, 9, 6, 2), 1, 'a 1.3 kflop product stays on the run thread');
  assert.ok(2 * 12 * 9 * 6 < MIN_SPLIT_FLOPS);
  assert.equal(matmulParts(3, 1000, 1000, 2), 1, 'one block of rows: one part');
  assert.equal(matmulParts(128, 1000, 784, 1), 1, 'one thread: never split');
  assert.equal(matmulParts(128, 1000, 784, 4), 4 * PARTS_PER_THREAD, 'parts per thread, for whichever threads are running to claim');
  assert.equal(matmulParts(128, 1000, 784, 2), 2 * PARTS_PER_THREAD);
  assert.equal(matmulParts(8, 1000, 784, 4), 2, 'no more parts than blocks of 4 rows');
});

test('claimPart hands out each part of the open job once, in order, then −1; a late claim is always of the job open now', () => {
  const ctl = new Int32Array(new SharedArrayBuffer(4 * CONTROL_SLOTS));
  assert.equal(claimPart(ctl), -1, 'nothing open');
  openParts(ctl, 3);
  assert.deepEqual([claimPart(ctl), claimPart(ctl), claimPart(ctl), claimPart(ctl), claimPart(ctl)], [0, 1, 2, -1, -1]);
  // a thread that woke for the job above only now finds the next job's parts
  openParts(ctl, 2);
  assert.deepEqual([claimPart(ctl), claimPart(ctl), claimPart(ctl)], [0, 1, -1]);
});

test('partRows: the parts tile [0, M) in order, each starts at a multiple of 4, and ends at one or at M', () => {
  for (const M of [1, 4, 5, 8, 10, 13, 64, 130]) {
    for (let parts = 1; parts <= Math.min(8, Math.ceil(M / 4)); parts++) {
      let next = 0;
      for (let p = 0; p < parts; p++) {
        const { begin, end } = partRows(M, parts, p);
        assert.equal(begin, next, `M=${M} parts=${parts} p=${p}: contiguous`);
        assert.equal(begin % 4, 0, `M=${M} parts=${parts} p=${p}: begin ${begin}`);
        assert.ok(end === M || end % 4 === 0, `M=${M} parts=${parts} p=${p}: end ${end}`);
        assert.ok(end > begin, `M=${M} parts=${parts} p=${p}: not empty`);
        next = end;
      }
      assert.equal(next, M, `M=${M} parts=${parts}: covers every row`);
    }
  }
  // As even as whole blocks allow: 130 rows = 33 blocks → 16 and 17 blocks.
  assert.deepEqual([partRows(130, 2, 0), partRows(130, 2, 1)], [{ begin: 0, end: 64 }, { begin: 64, end: 130 }]);
});

test('after dispose the helper threads exit, and the kernels go on alone with the same results', async () => {
  const s = { M: 64, N: 100, K: 400 };
  const kernels = new WasmKernels(3);
  const { a, b, c } = operands(kernels, s, 1);
  kernels.matmul(c, a, b, s.M, s.N, s.K, false, false, false);
  const threaded = c.slice();
  kernels.dispose();
  await kernels.helpersExited; // a helper that did not exit would leave this pending and the test would time out
  kernels.dispose(); // idempotent
  c.fill(0);
  kernels.matmul(c, a, b, s.M, s.N, s.K, false, false, false);
  assert.equal(kernels.splitJobs, 1, 'the second product ran on the run thread alone');
  assert.deepEqual(c, threaded);
});

test('a helper that dies without a word holds up nothing it has not claimed: the run thread claims every part, same result', { timeout: 60_000 }, async () => {
  const s = { M: 64, N: 100, K: 400 };
  const kernels = new WasmKernels(2, 50);
  const { a, b, c } = operands(kernels, s, 1);
  kernels.matmul(c, a, b, s.M, s.N, s.K, false, false, false);
  const threaded = c.slice();
  const helper = (kernels as unknown as { helpers: { helpers: { terminate(): Promise<number> }[] } }).helpers.helpers[0]!;
  await helper.terminate();
  c.fill(0);
  kernels.matmul(c, a, b, s.M, s.N, s.K, false, false, false);
  assert.equal(kernels.splitJobs, 2, 'still handed out as a split job');
  assert.deepEqual(c, threaded);
  kernels.dispose();
});

test('a helper that dies holding a part ends the product with an error after the watchdog instead of a hang', { timeout: 60_000 }, async () => {
  const s = { M: 64, N: 100, K: 400 };
  // the watchdog at 50 ms instead of a minute; a live helper never comes near it (its part takes microseconds)
  const kernels = new WasmKernels(2, 50);
  const { a, b, c } = operands(kernels, s, 1);
  kernels.matmul(c, a, b, s.M, s.N, s.K, false, false, false);
  assert.equal(kernels.splitJobs, 1, 'split while the helper lives');
  const threaded = c.slice();
  // A helper killed after its claim: with the helper gone (so no claim races the test's), the run
  // thread's first part claims the other part for nobody, which then never finishes (the module's
  // exports are frozen, so the instance's object is swapped whole).
  const inside = kernels as unknown as { exports: JobExports; helpers: { block: { ctl: Int32Array }; helpers: { terminate(): Promise<number> }[] } };
  await inside.helpers.helpers[0]!.terminate();
  const real = inside.exports;
  const { ctl } = inside.helpers.block;
  let stolen = -1;
  inside.exports = {
    ...real,
    matmulRows(...args: Parameters<JobExports['matmulRows']>) {
      if (stolen < 0) stolen = claimPart(ctl);
      real.matmulRows(...args);
    },
  };
  assert.throws(() => kernels.matmul(c, a, b, s.M, s.N, s.K, false, false, false), /kernel threads: 1 part\(s\) of a job never finished: a helper thread stopped responding in the middle of it/);
  assert.ok(stolen >= 0, 'a part was claimed for the dead helper');
  inside.exports = real;
  // the failure ended the threads: the next product runs on the run thread alone, with the same result
  c.fill(0);
  kernels.matmul(c, a, b, s.M, s.N, s.K, false, false, false);
  assert.equal(kernels.splitJobs, 1, 'not split again');
  assert.deepEqual(c, threaded);
});

/**
 * A conv layer's forward, then its backward into dW, dbias and dx (all seeded, so the gradients are
 * added into something), over B images of geometry g on `threads` threads: every result as bytes.
 */
function convLayerPasses(g: Conv2dGeometry, B: number, threads: number): { bytes: Buffer[]; split: number } {
  const kernels = new WasmKernels(threads);
  try {
    const { value: v } = Arena.build((arena) => {
      const p = conv2dParams(arena, 'conv', g);
      const buf = conv2dBuffers(arena, g, B);
      return { p, buf, x: arena.floats(B * g.C * g.H * g.W), dx: arena.floats(B * g.C * g.H * g.W) };
    }, kernels);
    const rng = new Rng(g.C * 1000 + g.H * 10 + B);
    for (const a of [v.p.weight.w, v.p.bias.w, v.p.weight.g, v.p.bias.g, v.x, v.dx, v.buf.dout]) for (let i = 0; i < a.length; i++) a[i] = rng.normal();
    kernels.conv2dForward(v.buf, v.p, v.x);
    kernels.conv2dBackward(v.buf, v.p, v.x, v.dx);
    const bytes = (a: Float32Array): Buffer => Buffer.from(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
    return { bytes: [v.buf.out, v.p.weight.g, v.p.bias.g, v.dx].map(bytes), split: kernels.splitJobs };
  } finally {
    kernels.dispose();
  }
}

test('a threaded conv layer (images, columns of dW per part) is the single-threaded one bit for bit', () => {
  const layers: [Conv2dGeometry, number][] = [
    [conv2dGeometry(1, 28, 28, 32, 5, 1, 'same'), 12], // 2c2d's first conv: dW's 25 columns end in a block of 1
    [conv2dGeometry(8, 14, 14, 12, 5, 1, 'same'), 7], // the contiguous row-block im2col; 7 images over 2 and 3 threads
    [conv2dGeometry(3, 64, 64, 6, 3, 2, 'valid'), 17], // stride 2; dW's 27 columns; Cout not a multiple of 4
    [conv2dGeometry(5, 60, 60, 12, 4, 3, 'same'), 7], // even kernel, stride 3: padding split unevenly
    [conv2dGeometry(1, 64, 64, 33, 1, 1, 'valid'), 20], // C·k·k = 1: dW in one part; Cout 33
    [conv2dGeometry(64, 5, 5, 40, 5, 1, 'valid'), 40], // a 1×1 output plane; dW's 1600 columns
    [conv2dGeometry(4, 128, 128, 20, 1, 1, 'valid'), 2], // fewer images than threads
    [conv2dGeometry(32, 16, 16, 160, 3, 1, 'same'), 6], // dcols = Wᵀ·dout through the packed Aᵀ·B, in each helper's scratch
    [conv2dGeometry(2, 6, 6, 3, 3, 1, 'same'), 2], // too small to split
  ];
  const names = ['out', 'dW', 'dbias', 'dx'];
  for (const [g, B] of layers) {
    const one = convLayerPasses(g, B, 1);
    for (const threads of [2, 3]) {
      const many = convLayerPasses(g, B, threads);
      const what = `B=${B} C=${g.C} ${g.H}×${g.W} → ${g.Cout} k=${g.k} s=${g.stride} threads=${threads}`;
      const passes = [convParts(g, B, B, threads), convParts(g, B, Math.ceil((g.C * g.k * g.k) / 4), threads), convParts(g, B, B, threads)];
      const sums = floatParts(B * g.Cout * g.Ho * g.Wo, g.Cout, threads);
      assert.equal(many.split, [...passes, sums].filter((parts) => parts > 1).length, `${what}: split as convParts and floatParts say`);
      many.bytes.forEach((b, i) => assert.ok(b.equals(one.bytes[i]!), `${what}: ${names[i]} differs`));
    }
  }
  assert.equal(layers.filter(([g, B]) => convParts(g, B, B, 2) > 1).length, layers.length - 1, 'all layers but the last are split');
});

test('partRange: the parts tile [0, n) in order, as evenly as can be', () => {
  assert.deepEqual([0, 1, 2].map((p) => partRange(5, 3, p)), [{ begin: 0, end: 1 }, { begin: 1, end: 3 }, { begin: 3, end: 5 }]);
  assert.deepEqual([0, 1].map((p) => partRange(800, 2, p)), [{ begin: 0, end: 400 }, { begin: 400, end: 800 }]);
});

test('threads must be a positive integer', () => {
  for (const bad of [0, -1, 1.5, NaN]) assert.throws(() => new WasmKernels(bad), /threads must be a positive integer/);
});
