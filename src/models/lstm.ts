// Character-level LSTM language model: embedding → LSTM stack → linear → softmax cross-entropy on
// the next token at every position. Truncated BPTT: each batch window of T tokens is an independent
// sequence whose state starts at zero (no state carried between batches), and the gradient flows
// through all T steps of the window.
// B = batch, T = seq_len, V = vocab, E = embed, H = hidden. The dataset's batches are batch-major
// (B, T); the network runs time-major (T, B, ·) so one time step is a contiguous B-row block.
import type { Arena, Param } from '../nn/arena.js';
import type { ModelSpec } from '../config/models.js';
import type { TokenBatch, TokenDataset } from '../data/batch.js';
import { Rng } from '../base/rng.js';
import { lstmParams, lstmBuffers, lstmTokens, type LstmBuffers, type LstmParams } from '../nn/lstm.js';
import { linearForward, linearBackward } from '../nn/linear.js';
import { initLinear, initNormal, initUniform } from './init.js';
import { networkTask, zeroAll, type Network } from './neural.js';
import type { Task } from './task.js';

type LstmSpec = Extract<ModelSpec, { kind: 'lstm' }>;

interface Weights {
  wte: Param;
  layers: LstmParams[];
  headW: Param;
  headB: Param;
}

export function buildLstm(spec: LstmSpec, data: TokenDataset, arena: Arena, seed: number): Task {
  const B = data.batch;
  const T = data.seqLen;
  const V = data.vocab;
  const E = spec.embed;
  const H = spec.hidden;
  const L = spec.layers;
  const N = T * B;
  const kernels = arena.kernels;

  const { wte, layers, headW, headB } = weights(arena, spec, V, new Rng(seed, 'init'));
  const batch: TokenBatch = { inputs: arena.ints(B * T), targets: arena.ints(B * T) };
  // Time-major copies of the batch: row t·B + b.
  const inputsTB = arena.ints(N);
  const targetsTB = arena.ints(N);
  const emb = arena.floats(N * E);
  const demb = arena.floats(N * E);
  const bufs: LstmBuffers[] = [];
  for (let l = 0; l < L; l++) bufs.push(lstmBuffers(arena, T, B, l === 0 ? E : H, H));
  const top = bufs[L - 1]!;
  // The first layer projects each embedding row once instead of each of the N looked-up copies.
  const tokens = lstmTokens(arena, inputsTB, wte.w, V, E, H);
  const logits = arena.floats(N * V);
  const probs = arena.floats(N * V);
  const dlogits = arena.floats(N * V);
  const actGrads = [demb, dlogits, ...bufs.map((b) => b.dh)];

  const net: Network = {
    params: arena.params,
    predictions: N,
    info: data.info,
    fillTrain: (step) => data.fillTrain(step, batch),
    fillVal: (index) => data.fillVal(index, batch),
    forward(): number {
      toTimeMajor(inputsTB, batch.inputs, B, T);
      toTimeMajor(targetsTB, batch.targets, B, T);
      kernels.lstmForwardTokens(bufs[0]!, layers[0]!, emb, tokens); // fills emb = wte[inputs] too
      for (let l = 1; l < L; l++) kernels.lstmForward(bufs[l]!, layers[l]!, bufs[l - 1]!.h);
      linearForward(kernels, logits, top.h, headW.w, headB.w, N, H, V);
      return kernels.softmaxCrossEntropyForward(probs, logits, targetsTB, N, V);
    },
    classification: true,
    correct: () => kernels.countCorrect(logits, targetsTB, N, V),
    backward(): void {
      zeroAll(kernels, actGrads);
      kernels.softmaxCrossEntropyBackward(dlogits, probs, targetsTB, N, V, 1 / N);
      linearBackward(kernels, top.dh, headW.g, headB.g, dlogits, top.h, headW.w, N, H, V);
      for (let l = L - 1; l >= 0; l--) {
        const x = l === 0 ? emb : bufs[l - 1]!.h;
        const dx = l === 0 ? demb : bufs[l - 1]!.dh;
        kernels.lstmBackward(bufs[l]!, layers[l]!, x, dx);
      }
      kernels.embeddingBackward(wte.g, demb, inputsTB, N, E);
    },
  };
  return networkTask(net, kernels);
}

/** Embedding, LSTM layers and head, declared and initialised in this order from one stream. */
function weights(arena: Arena, spec: LstmSpec, V: number, rng: Rng): Weights {
  const { embed: E, hidden: H } = spec;
  const wte = arena.param('embed', [V, E]);
  initNormal(wte, 1, rng);
  const layers: LstmParams[] = [];
  for (let l = 0; l < spec.layers; l++) {
    const p = lstmParams(arena, `lstm${l}`, l === 0 ? E : H, H);
    const bound = 1 / Math.sqrt(H);
    initUniform(p.wih, bound, rng);
    initUniform(p.whh, bound, rng);
    initUniform(p.bias, bound, rng);
    layers.push(p);
  }
  const headW = arena.param('head.w', [V, H]);
  const headB = arena.param('head.b', [V]);
  initLinear(headW, headB, H, rng);
  return { wte, layers, headW, headB };
}

/** dst (T, B) = src (B, T). */
function toTimeMajor(dst: Int32Array, src: Int32Array, B: number, T: number): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) dst[t * B + b] = src[b * T + t]!;
  }
}
