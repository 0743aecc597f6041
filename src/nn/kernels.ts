// The seam between the numerical code and the machine: every hot loop of a run behind one interface.
// Two implementations (src/wasm/kernels.ts): the JS reference, assembled from the loops in src/nn and
// src/optim, and the WebAssembly SIMD kernels. A run picks one when it is built (src/train/train.ts
// buildRun); its arena carries it (src/nn/arena.ts), and layers and optimizers take it from there.
//
// Both implementations take the same arguments. The scalars objects are what the optimizer kernels
// need per step, computed once per step in float64 by the pure functions of src/optim (the wasm kernels
// unpack them); the formulas are in the headers of src/optim/{sgd,adam,radam}.ts.
import type { AttentionBuffers } from './attention.js';
import type { Conv2dBuffers, Conv2dGeometry, Conv2dParams } from './conv2d.js';
import type { LstmBuffers, LstmParams, LstmTokens } from './lstm.js';
import type { MaxPool2dBuffers } from './maxpool2d.js';

export interface SgdScalars {
  lr: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
  /** true on the first step: the momentum buffer is initialised to d_t (no dampening), as torch. */
  firstStep: boolean;
}

export interface AdamScalars {
  /** lr / (1 − β₁ᵗ) */
  stepSize: number;
  beta1: number;
  beta2: number;
  /** √(1 − β₂ᵗ) */
  biasCorrection2Sqrt: number;
  eps: number;
  /** L2 coefficient added to the gradient (Adam's weight_decay); 0 for AdamW. */
  l2: number;
  /** 1 − lr·wd for AdamW's decoupled decay; 1 for Adam. */
  decayFactor: number;
}

export interface RAdamScalars {
  /** lr·r_t/(1−β₁ᵗ)·√(1−β₂ᵗ) when rectified; lr/(1−β₁ᵗ) for the momentum-only step; 0 for skip. */
  stepSize: number;
  /** true: adaptive (rectified) step; false: un-rectified step (momentum-only or skip). */
  rectified: boolean;
  beta1: number;
  beta2: number;
  eps: number;
  l2: number;
  /** 1 − lr·wd under decoupled decay, else 1 (and 1 on skipped steps). */
  decayFactor: number;
}

/** The frozen step's scalars (second moment only, the paper's "Adam-2k"). */
export interface SecondMomentScalars {
  beta2: number;
  l2: number;
}

/**
 * One implementation of the kernels. Every array argument is a view of the run's memory (the one
 * `memory` made); n counts floats. Each kernel's reference is named in its comment.
 */
export interface Kernels {
  /**
   * The run's memory, `bytes` long, made once when its arena is built: a plain ArrayBuffer for the JS
   * kernels; the memory the wasm instance imports for the wasm kernels (which is why they make it),
   * a SharedArrayBuffer, which the run's helper threads share when it has some.
   */
  memory(bytes: number): ArrayBufferLike;
  /**
   * Ask for `floats` floats of scratch of its own for each thread that runs a layer's parts (a conv
   * layer's cols of one image: src/nn/conv2d.ts), the most any layer asks being kept. Layers ask while
   * the arena is built, so in the measuring pass, before `memory`; asking for more after is a bug. The
   * JS kernels run on one thread, on the layer's own buffers in the arena: a no-op there.
   */
  reserveThreadScratch(floats: number): void;
  /** C (+)= op(A)·op(B) with element offsets: src/nn/matmul.ts. */
  matmul(
    c: Float32Array, a: Float32Array, b: Float32Array, M: number, N: number, K: number,
    transA: boolean, transB: boolean, accumulate: boolean, cOff?: number, aOff?: number, bOff?: number,
  ): void;
  /** A conv layer's output for the batch x: src/nn/conv2d.ts. */
  conv2dForward(buf: Conv2dBuffers, p: Conv2dParams, x: Float32Array): void;
  /** Its gradients, added into dW, dbias and (unless null) dx: src/nn/conv2d.ts. */
  conv2dBackward(buf: Conv2dBuffers, p: Conv2dParams, x: Float32Array, dx: Float32Array | null): void;
  /** conv2d's patch unrolling of the image at x[xOff…] into cols, the conv kernels' building block (held bit for bit to the JS one by the tests): src/nn/conv2d.ts. */
  im2col(cols: Float32Array, x: Float32Array, xOff: number, g: Conv2dGeometry): void;
  /** Its adjoint, adding dcols into the image at dx[dxOff…], as im2col: src/nn/conv2d.ts. */
  col2im(dx: Float32Array, dxOff: number, dcols: Float32Array, g: Conv2dGeometry): void;
  /** out[(b·C + c)·plane + i] += bias[c]: src/nn/conv2d.ts. */
  addChannelBias(out: Float32Array, bias: Float32Array, B: number, C: number, plane: number): void;
  /** dbias[c] += each image's plane sum (in float64), image by image: src/nn/conv2d.ts. */
  addChannelSums(dbias: Float32Array, dout: Float32Array, B: number, C: number, plane: number): void;
  /** out = max(inp, 0) over [0, n): src/nn/activation.ts. */
  reluForward(out: Float32Array, inp: Float32Array, n: number): void;
  /** dinp += dout where inp > 0, over [0, n): src/nn/activation.ts. */
  reluBackward(dinp: Float32Array, dout: Float32Array, inp: Float32Array, n: number): void;
  /** buf.out, buf.argmax = each window's maximum of x and where it was: src/nn/maxpool2d.ts. */
  maxPool2dForward(buf: MaxPool2dBuffers, x: Float32Array): void;
  /** dx[argmax[o]] += dout[o]: src/nn/maxpool2d.ts. */
  maxPool2dBackward(buf: MaxPool2dBuffers, dx: Float32Array): void;
  /** One LSTM layer over a sequence: src/nn/lstm.ts. */
  lstmForward(buf: LstmBuffers, p: LstmParams, x: Float32Array): void;
  /** Its backpropagation through time; `dx` null when the input needs no gradient. */
  lstmBackward(buf: LstmBuffers, p: LstmParams, x: Float32Array, dx: Float32Array | null): void;
  /** src/optim/sgd.ts. Returns Σ(θ_t − θ_{t−1})². */
  sgdStep(p: Float32Array, g: Float32Array, buf: Float32Array, n: number, s: SgdScalars): number;
  /** src/optim/adam.ts; `vmax` is the AMSGrad buffer or null. Returns Σ(θ_t − θ_{t−1})². */
  adamStep(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, vmax: Float32Array | null, n: number, s: AdamScalars): number;
  /** src/optim/adam.ts: a frozen step (v_t and the AMSGrad maximum only). */
  secondMomentOnlyStep(p: Float32Array, g: Float32Array, v: Float32Array, vmax: Float32Array | null, n: number, s: SecondMomentScalars): void;
  /** src/optim/radam.ts. Returns Σ(θ_t − θ_{t−1})². */
  radamStep(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, n: number, s: RAdamScalars): number;
  /** Σ x_i² over x[0, n) in float64, the fixed chunked sum of src/optim/chunks.ts (the same on any thread count): src/optim/clip.ts. */
  sumOfSquares(x: Float32Array, n: number): number;
  /** x_i ← x_i·factor over x[0, n), each product in float64, rounded once: src/optim/clip.ts. */
  scaleInPlace(x: Float32Array, n: number, factor: number): void;
  /** End what the kernels hold beyond the memory (the wasm kernels' helper threads) when the run ends. */
  dispose?(): void;
  // The transformer's and the MLP's layers: src/nn/{activation,layernorm,residual,attention}.ts.
  /** out = tanh(inp) over [0, n): src/nn/activation.ts. */
  tanhForward(out: Float32Array, inp: Float32Array, n: number): void;
  /** dinp += dout·(1 − out²) over [0, n), out the saved tanh: src/nn/activation.ts. */
  tanhBackward(dinp: Float32Array, dout: Float32Array, out: Float32Array, n: number): void;
  /**
   * out = gelu(inp) (tanh approximation) over [0, n): src/nn/activation.ts. `saved` (n floats, or null)
   * keeps what the wasm backward reuses instead of recomputing it; the JS kernels ignore it.
   */
  geluForward(out: Float32Array, inp: Float32Array, n: number, saved: Float32Array | null): void;
  /** dinp += dout·gelu'(inp) over [0, n), reading `saved` if the forward filled it: src/nn/activation.ts. */
  geluBackward(dinp: Float32Array, dout: Float32Array, inp: Float32Array, n: number, saved: Float32Array | null): void;
  /** LayerNorm of N rows of C, saving mean and rstd: src/nn/layernorm.ts. */
  layernormForward(out: Float32Array, mean: Float32Array, rstd: Float32Array, inp: Float32Array, weight: Float32Array, bias: Float32Array, N: number, C: number): void;
  /** Its backward, adding into dinp, dweight, dbias: src/nn/layernorm.ts. */
  layernormBackward(
    dinp: Float32Array, dweight: Float32Array, dbias: Float32Array, dout: Float32Array, inp: Float32Array,
    weight: Float32Array, mean: Float32Array, rstd: Float32Array, N: number, C: number,
  ): void;
  /** out = a + b over [0, n): src/nn/residual.ts. */
  residualForward(out: Float32Array, a: Float32Array, b: Float32Array, n: number): void;
  /** da += dout, db += dout over [0, n): src/nn/residual.ts. */
  residualBackward(da: Float32Array, db: Float32Array, dout: Float32Array, n: number): void;
  /** out = causal attention of qkv, keeping A in buf: src/nn/attention.ts. */
  attentionForward(buf: AttentionBuffers, out: Float32Array, qkv: Float32Array): void;
  /** dqkv += its gradient from dout (qkv: the forward's input): src/nn/attention.ts. */
  attentionBackward(buf: AttentionBuffers, dqkv: Float32Array, dout: Float32Array, qkv: Float32Array): void;
  // The LSTM's first layer fed from token ids, and its embedding's backward.
  /** x = tokens.table[tokens.ids], then lstmForward on x, projecting each table row once: src/nn/lstm.ts. */
  lstmForwardTokens(buf: LstmBuffers, p: LstmParams, x: Float32Array, tokens: LstmTokens): void;
  /** out[n, :] (+)= table[ids[n], :] for n < N (the transformer's token and position embeddings): src/nn/embedding.ts. */
  embeddingForward(out: Float32Array, ids: Int32Array, table: Float32Array, N: number, C: number, accumulate: boolean): void;
  /** dtable[ids[n], :] += dout[n, :] for n < N (N lookups of width C): src/nn/embedding.ts. */
  embeddingBackward(dtable: Float32Array, dout: Float32Array, ids: Int32Array, N: number, C: number): void;
  // The classifier head's loss (the same bits from both sets: the wasm kernels' exp and log are V8's).
  /** probs = softmax(logits) per row of V; returns the mean cross-entropy: src/nn/crossentropy.ts. */
  softmaxCrossEntropyForward(probs: Float32Array, logits: Float32Array, targets: Int32Array, N: number, V: number): number;
  /** dlogits += scale·(probs − onehot(targets)): src/nn/crossentropy.ts. */
  softmaxCrossEntropyBackward(dlogits: Float32Array, probs: Float32Array, targets: Int32Array, N: number, V: number, scale: number): void;
  /** Rows whose arg-max logit (first on ties) is the target: src/nn/crossentropy.ts. */
  countCorrect(logits: Float32Array, targets: Int32Array, N: number, V: number): number;
  /** x[0, n) = 0: gradients before a backward (Float32Array.fill, which V8 runs ~10× slower on shared memory). */
  fillZero(x: Float32Array, n: number): void;
}
