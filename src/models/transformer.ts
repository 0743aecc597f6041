// Tiny causal transformer language model: token + learned position embeddings → blocks of causal
// multi-head self-attention and an MLP, each wrapped in a residual connection with LayerNorm →
// linear head → softmax cross-entropy on the next token at every position.
//   norm 'pre'  (GPT-2):              x = x + Attn(LN₁(x));  x = x + MLP(LN₂(x));  final LN before the head
//   norm 'post' (Vaswani et al. 2017): x = LN₁(x + Attn(x));  x = LN₂(x + MLP(x));  no final LN
// Post-norm is the layout whose training with Adam is known to need warmup (Liu et al. 2020, "On the
// Variance of the Adaptive Learning Rate and Beyond"; Xiong et al. 2020, "On Layer Normalization in
// the Transformer Architecture").
// B = batch, T = seq_len (≤ context), C = d_model, F = d_ff, V = vocab, N = B·T rows (batch-major).
import type { Arena, Param } from '../nn/arena.js';
import type { Kernels } from '../nn/kernels.js';
import type { ModelSpec } from '../config/models.js';
import type { TokenBatch, TokenDataset } from '../data/batch.js';
import { ConfigError } from '../base/errors.js';
import { Rng } from '../base/rng.js';
import { linearForward, linearBackward } from '../nn/linear.js';
import { attentionBuffers, type AttentionBuffers } from '../nn/attention.js';
import { activationForward, activationBackward, type Activation } from '../nn/activation.js';
import { initConstant, initLinear, initNormal } from './init.js';
import { networkTask, zeroAll, type Network } from './neural.js';
import type { Task } from './task.js';

type TransformerSpec = Extract<ModelSpec, { kind: 'transformer' }>;

interface LayerNormParams {
  w: Param;
  b: Param;
}

interface Block {
  ln1: LayerNormParams;
  qkvW: Param;
  qkvB: Param;
  projW: Param;
  projB: Param;
  ln2: LayerNormParams;
  fcW: Param;
  fcB: Param;
  fcProjW: Param;
  fcProjB: Param;
  // activations (and their gradients, d*)
  ln1Out: Float32Array;
  ln1Mean: Float32Array;
  ln1Rstd: Float32Array;
  qkv: Float32Array;
  att: AttentionBuffers;
  attOut: Float32Array;
  proj: Float32Array;
  res1: Float32Array;
  ln2Out: Float32Array;
  ln2Mean: Float32Array;
  ln2Rstd: Float32Array;
  fc: Float32Array;
  fcAct: Float32Array;
  /** GELU's saved exp(−2u) for its backward (Kernels.geluForward): N×F floats; empty for other activations. */
  fcSaved: Float32Array;
  fcProj: Float32Array;
  res2: Float32Array;
  dln1Out: Float32Array;
  dqkv: Float32Array;
  dattOut: Float32Array;
  dproj: Float32Array;
  dres1: Float32Array;
  dln2Out: Float32Array;
  dfc: Float32Array;
  dfcAct: Float32Array;
  dfcProj: Float32Array;
  dres2: Float32Array;
}

interface Dims {
  kernels: Kernels;
  B: number;
  T: number;
  C: number;
  F: number;
  V: number;
  N: number;
  act: Activation;
}

/** The parameters outside the blocks (and the blocks, which carry their own activations). */
interface Weights {
  wte: Param;
  wpe: Param;
  blocks: Block[];
  /** The final LayerNorm (pre-norm only). */
  lnf: LayerNormParams | null;
  headW: Param;
  headB: Param;
}

/** Everything the forward and backward passes touch: weights, batch, activations (d*: their gradients). */
interface Model extends Weights {
  d: Dims;
  pre: boolean;
  batch: TokenBatch;
  /** Position of each row within its sequence: n mod T. */
  positions: Int32Array;
  x0: Float32Array;
  dx0: Float32Array;
  lnfOut: Float32Array;
  lnfMean: Float32Array;
  lnfRstd: Float32Array;
  dlnfOut: Float32Array;
  logits: Float32Array;
  probs: Float32Array;
  dlogits: Float32Array;
  /** The activation gradients, zeroed before every backward. */
  actGrads: Float32Array[];
}

export function buildTransformer(spec: TransformerSpec, data: TokenDataset, arena: Arena, seed: number): Task {
  const problem = contextProblem(spec, data.seqLen);
  if (problem !== undefined) throw new ConfigError(problem);
  const m = buildModel(spec, data, arena, seed);
  const { N, V } = m.d;
  const net: Network = {
    params: arena.params,
    predictions: N,
    info: data.info,
    fillTrain: (step) => data.fillTrain(step, m.batch),
    fillVal: (index) => data.fillVal(index, m.batch),
    forward: () => forward(m),
    classification: true,
    correct: () => m.d.kernels.countCorrect(m.logits, m.batch.targets, N, V),
    backward: () => backward(m),
  };
  return networkTask(net, m.d.kernels);
}

function buildModel(spec: TransformerSpec, data: TokenDataset, arena: Arena, seed: number): Model {
  const { batch: B, seqLen: T, vocab: V } = data;
  const C = spec.d_model;
  const N = B * T;
  const pre = spec.norm === 'pre';
  const d: Dims = { kernels: arena.kernels, B, T, C, F: spec.d_ff, V, N, act: spec.activation };
  const weights = transformerWeights(arena, spec, d, new Rng(seed, 'init'));
  const batch: TokenBatch = { inputs: arena.ints(N), targets: arena.ints(N) };
  const positions = arena.ints(N);
  for (let n = 0; n < N; n++) positions[n] = n % T;
  const f = (n: number): Float32Array => arena.floats(n);
  const [x0, dx0] = [f(N * C), f(N * C)];
  const [lnfOut, lnfMean, lnfRstd, dlnfOut] = [f(pre ? N * C : 0), f(pre ? N : 0), f(pre ? N : 0), f(pre ? N * C : 0)];
  const [logits, probs, dlogits] = [f(N * V), f(N * V), f(N * V)];
  const actGrads = [dx0, dlnfOut, dlogits, ...weights.blocks.flatMap(blockGrads)];
  return { ...weights, d, pre, batch, positions, x0, dx0, lnfOut, lnfMean, lnfRstd, dlnfOut, logits, probs, dlogits, actGrads };
}

/** A block's output: its last residual sum (pre-norm) or its last LayerNorm (post-norm); and that output's gradient. */
function blockOutput(k: Block, pre: boolean): Float32Array {
  return pre ? k.res2 : k.ln2Out;
}

function blockOutputGrad(k: Block, pre: boolean): Float32Array {
  return pre ? k.dres2 : k.dln2Out;
}

/** The forward pass on the batch in the buffers; returns the mean loss. */
function forward(m: Model): number {
  const { d, pre, blocks, lnf } = m;
  const { N, C, V } = d;
  d.kernels.embeddingForward(m.x0, m.batch.inputs, m.wte.w, N, C, false);
  d.kernels.embeddingForward(m.x0, m.positions, m.wpe.w, N, C, true);
  for (let l = 0; l < blocks.length; l++) {
    const inp = l === 0 ? m.x0 : blockOutput(blocks[l - 1]!, pre);
    if (pre) blockForwardPre(blocks[l]!, inp, d);
    else blockForwardPost(blocks[l]!, inp, d);
  }
  const out = blockOutput(blocks[blocks.length - 1]!, pre);
  if (lnf !== null) d.kernels.layernormForward(m.lnfOut, m.lnfMean, m.lnfRstd, out, lnf.w.w, lnf.b.w, N, C);
  linearForward(d.kernels, m.logits, pre ? m.lnfOut : out, m.headW.w, m.headB.w, N, C, V);
  return d.kernels.softmaxCrossEntropyForward(m.probs, m.logits, m.batch.targets, N, V);
}

/** The backward pass of the last forward: adds into the parameter gradients. */
function backward(m: Model): void {
  const { d, pre, blocks, lnf } = m;
  const { N, C, V } = d;
  const last = blocks[blocks.length - 1]!;
  const out = blockOutput(last, pre);
  const dout = blockOutputGrad(last, pre);
  zeroAll(d.kernels, m.actGrads);
  d.kernels.softmaxCrossEntropyBackward(m.dlogits, m.probs, m.batch.targets, N, V, 1 / N);
  linearBackward(d.kernels, pre ? m.dlnfOut : dout, m.headW.g, m.headB.g, m.dlogits, pre ? m.lnfOut : out, m.headW.w, N, C, V);
  if (lnf !== null) d.kernels.layernormBackward(dout, lnf.w.g, lnf.b.g, m.dlnfOut, out, lnf.w.w, m.lnfMean, m.lnfRstd, N, C);
  for (let l = blocks.length - 1; l >= 0; l--) {
    const prev = blocks[l - 1];
    const inp = prev === undefined ? m.x0 : blockOutput(prev, pre);
    const dinp = prev === undefined ? m.dx0 : blockOutputGrad(prev, pre);
    if (pre) blockBackwardPre(blocks[l]!, inp, dinp, d);
    else blockBackwardPost(blocks[l]!, inp, dinp, d);
  }
  d.kernels.embeddingBackward(m.wte.g, m.dx0, m.batch.inputs, N, C);
  d.kernels.embeddingBackward(m.wpe.g, m.dx0, m.positions, N, C);
}

/** Embeddings, blocks, final LayerNorm and head, declared and initialised in this order from one stream. */
function transformerWeights(arena: Arena, spec: TransformerSpec, dims: Dims, rng: Rng): Weights {
  const { C, V } = dims;
  const wte = arena.param('wte', [V, C]);
  initNormal(wte, 1, rng);
  const wpe = arena.param('wpe', [spec.context, C]);
  initNormal(wpe, 1, rng);
  const blocks: Block[] = [];
  for (let l = 0; l < spec.layers; l++) blocks.push(buildBlock(arena, `h${l}`, dims, spec.heads, rng));
  const lnf = spec.norm === 'pre' ? layerNormParams(arena, 'ln_f', C) : null;
  const headW = arena.param('head.w', [V, C]);
  const headB = arena.param('head.b', [V]);
  initLinear(headW, headB, C, rng);
  return { wte, wpe, blocks, lnf, headW, headB };
}

/** A block's activation gradients: zeroed before every backward. */
function blockGrads(b: Block): Float32Array[] {
  return [b.dln1Out, b.dqkv, b.dattOut, b.dproj, b.dres1, b.dln2Out, b.dfc, b.dfcAct, b.dfcProj, b.dres2];
}

/** Position embeddings must cover a window of the dataset: the problem if they do not. */
export function contextProblem(spec: TransformerSpec, seqLen: number): string | undefined {
  return seqLen > spec.context ? `model.context: expected at least the dataset's seq_len (${seqLen}), got ${spec.context}` : undefined;
}

function layerNormParams(arena: Arena, name: string, C: number): LayerNormParams {
  const w = arena.param(`${name}.w`, [C]);
  const b = arena.param(`${name}.b`, [C]);
  initConstant(w, 1);
  initConstant(b, 0);
  return { w, b };
}

function linearParams(arena: Arena, name: string, inF: number, outF: number, rng: Rng): [Param, Param] {
  const w = arena.param(`${name}.w`, [outF, inF]);
  const b = arena.param(`${name}.b`, [outF]);
  initLinear(w, b, inF, rng);
  return [w, b];
}

function buildBlock(arena: Arena, name: string, d: Dims, heads: number, rng: Rng): Block {
  const { B, T, C, F, N } = d;
  const ln1 = layerNormParams(arena, `${name}.ln_1`, C);
  const [qkvW, qkvB] = linearParams(arena, `${name}.attn.qkv`, C, 3 * C, rng);
  const [projW, projB] = linearParams(arena, `${name}.attn.proj`, C, C, rng);
  const ln2 = layerNormParams(arena, `${name}.ln_2`, C);
  const [fcW, fcB] = linearParams(arena, `${name}.mlp.fc`, C, F, rng);
  const [fcProjW, fcProjB] = linearParams(arena, `${name}.mlp.proj`, F, C, rng);
  const f = (n: number) => arena.floats(n);
  return {
    ln1, qkvW, qkvB, projW, projB, ln2, fcW, fcB, fcProjW, fcProjB,
    ln1Out: f(N * C), ln1Mean: f(N), ln1Rstd: f(N), qkv: f(N * 3 * C),
    att: attentionBuffers(arena, B, T, C, heads),
    attOut: f(N * C), proj: f(N * C), res1: f(N * C),
    ln2Out: f(N * C), ln2Mean: f(N), ln2Rstd: f(N),
    fc: f(N * F), fcAct: f(N * F), fcSaved: f(d.act === 'gelu' ? N * F : 0), fcProj: f(N * C), res2: f(N * C),
    dln1Out: f(N * C), dqkv: f(N * 3 * C), dattOut: f(N * C), dproj: f(N * C), dres1: f(N * C),
    dln2Out: f(N * C), dfc: f(N * F), dfcAct: f(N * F), dfcProj: f(N * C), dres2: f(N * C),
  };
}

/** The attention sublayer without its residual: proj = Proj(Attn(QKV(x))). */
function attentionSublayer(k: Block, x: Float32Array, d: Dims): void {
  linearForward(d.kernels, k.qkv, x, k.qkvW.w, k.qkvB.w, d.N, d.C, 3 * d.C);
  d.kernels.attentionForward(k.att, k.attOut, k.qkv);
  linearForward(d.kernels, k.proj, k.attOut, k.projW.w, k.projB.w, d.N, d.C, d.C);
}

function attentionSublayerBackward(k: Block, x: Float32Array, dx: Float32Array, d: Dims): void {
  linearBackward(d.kernels, k.dattOut, k.projW.g, k.projB.g, k.dproj, k.attOut, k.projW.w, d.N, d.C, d.C);
  d.kernels.attentionBackward(k.att, k.dqkv, k.dattOut, k.qkv);
  linearBackward(d.kernels, dx, k.qkvW.g, k.qkvB.g, k.dqkv, x, k.qkvW.w, d.N, d.C, 3 * d.C);
}

/** The MLP sublayer without its residual: fcProj = W₂·act(W₁x + b₁) + b₂. */
function mlpSublayer(k: Block, x: Float32Array, d: Dims): void {
  linearForward(d.kernels, k.fc, x, k.fcW.w, k.fcB.w, d.N, d.C, d.F);
  activationForward(d.kernels, d.act, k.fcAct, k.fc, d.N * d.F, d.act === 'gelu' ? k.fcSaved : null);
  linearForward(d.kernels, k.fcProj, k.fcAct, k.fcProjW.w, k.fcProjB.w, d.N, d.F, d.C);
}

function mlpSublayerBackward(k: Block, x: Float32Array, dx: Float32Array, d: Dims): void {
  linearBackward(d.kernels, k.dfcAct, k.fcProjW.g, k.fcProjB.g, k.dfcProj, k.fcAct, k.fcProjW.w, d.N, d.F, d.C);
  activationBackward(d.kernels, d.act, k.dfc, k.dfcAct, k.fc, k.fcAct, d.N * d.F, d.act === 'gelu' ? k.fcSaved : null);
  linearBackward(d.kernels, dx, k.fcW.g, k.fcB.g, k.dfc, x, k.fcW.w, d.N, d.C, d.F);
}

// Pre-norm: res1 = x + Attn(LN₁(x)); res2 = res1 + MLP(LN₂(res1)); output res2.
function blockForwardPre(k: Block, x: Float32Array, d: Dims): void {
  const { N, C } = d;
  d.kernels.layernormForward(k.ln1Out, k.ln1Mean, k.ln1Rstd, x, k.ln1.w.w, k.ln1.b.w, N, C);
  attentionSublayer(k, k.ln1Out, d);
  d.kernels.residualForward(k.res1, x, k.proj, N * C);
  d.kernels.layernormForward(k.ln2Out, k.ln2Mean, k.ln2Rstd, k.res1, k.ln2.w.w, k.ln2.b.w, N, C);
  mlpSublayer(k, k.ln2Out, d);
  d.kernels.residualForward(k.res2, k.res1, k.fcProj, N * C);
}

/** Reads k.dres2 (the output gradient), adds into dx. */
function blockBackwardPre(k: Block, x: Float32Array, dx: Float32Array, d: Dims): void {
  const { N, C } = d;
  d.kernels.residualBackward(k.dres1, k.dfcProj, k.dres2, N * C);
  mlpSublayerBackward(k, k.ln2Out, k.dln2Out, d);
  d.kernels.layernormBackward(k.dres1, k.ln2.w.g, k.ln2.b.g, k.dln2Out, k.res1, k.ln2.w.w, k.ln2Mean, k.ln2Rstd, N, C);
  d.kernels.residualBackward(dx, k.dproj, k.dres1, N * C);
  attentionSublayerBackward(k, k.ln1Out, k.dln1Out, d);
  d.kernels.layernormBackward(dx, k.ln1.w.g, k.ln1.b.g, k.dln1Out, x, k.ln1.w.w, k.ln1Mean, k.ln1Rstd, N, C);
}

// Post-norm: ln1 = LN₁(x + Attn(x)); ln2 = LN₂(ln1 + MLP(ln1)); output ln2.
function blockForwardPost(k: Block, x: Float32Array, d: Dims): void {
  const { N, C } = d;
  attentionSublayer(k, x, d);
  d.kernels.residualForward(k.res1, x, k.proj, N * C);
  d.kernels.layernormForward(k.ln1Out, k.ln1Mean, k.ln1Rstd, k.res1, k.ln1.w.w, k.ln1.b.w, N, C);
  mlpSublayer(k, k.ln1Out, d);
  d.kernels.residualForward(k.res2, k.ln1Out, k.fcProj, N * C);
  d.kernels.layernormForward(k.ln2Out, k.ln2Mean, k.ln2Rstd, k.res2, k.ln2.w.w, k.ln2.b.w, N, C);
}

/** Reads k.dln2Out (the output gradient), adds into dx. */
function blockBackwardPost(k: Block, x: Float32Array, dx: Float32Array, d: Dims): void {
  const { N, C } = d;
  d.kernels.layernormBackward(k.dres2, k.ln2.w.g, k.ln2.b.g, k.dln2Out, k.res2, k.ln2.w.w, k.ln2Mean, k.ln2Rstd, N, C);
  d.kernels.residualBackward(k.dln1Out, k.dfcProj, k.dres2, N * C);
  mlpSublayerBackward(k, k.ln1Out, k.dln1Out, d);
  d.kernels.layernormBackward(k.dres1, k.ln1.w.g, k.ln1.b.g, k.dln1Out, k.res1, k.ln1.w.w, k.ln1Mean, k.ln1Rstd, N, C);
  d.kernels.residualBackward(dx, k.dproj, k.dres1, N * C);
  attentionSublayerBackward(k, x, dx, d);
}
