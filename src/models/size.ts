// A run's size from its spec alone, before anything is allocated: the exact number of parameters and
// the exact bytes of its arena (src/nn/arena.ts): parameters, gradients, optimizer state, and the
// batch and activation buffers. A model too large to train is then refused in microseconds instead
// of after minutes of allocating. Each *Slots function lists the buffers its builder declares, in the
// builder's order; test/limits.test.ts builds real runs and checks the counts are equal.
// B = batch, D = input dim, K = outputs, T = seq_len, V = vocab, E = embed, H = hidden, C = d_model,
// F = d_ff, N = B·T rows, P = parameters.
import { ModelSpec } from '../config/models.js';
import { DataSpec, MarkovText, formatBytes, formatCount } from '../config/data.js';
import type { OptimizerSpec } from '../config/optimizers.js';
import { locateIdx } from '../data/idx.js';
import { loadCorpus, requireWindows } from '../data/textfile.js';
import { contextProblem } from './transformer.js';
import { cnnPlanes } from './cnn.js';
import { conv2dGeometry } from '../nn/conv2d.js';
import { lstmPanelFloats } from '../nn/lstm.js';

/** A run's arena must fit one WebAssembly.Memory, whose limit here is 2 GiB. */
export const MAX_ARENA_BYTES = 2 ** 31;

/** What a model needs of its data: the shapes of a batch. */
export type DataShape =
  | { kind: 'vectors'; batch: number; inputDim: number; outputDim: number; classification: boolean }
  | { kind: 'tokens'; batch: number; seqLen: number; vocab: number };

/** Float32 slots of a model: its parameters, and its other buffers as the arena rounds each of them. */
export interface ModelSlots {
  params: number;
  buffers: number;
}

/** n rounded up to whole f32x4 vectors, as the arena places every buffer (in float64: no 32-bit wrap). */
function align4(n: number): number {
  return Math.ceil(n / 4) * 4;
}

/** Slots of a list of buffers of these lengths. */
function buffers(lengths: number[]): number {
  return lengths.reduce((total, n) => total + align4(n), 0);
}

export function modelSlots(model: ModelSpec, data: DataShape | undefined): ModelSlots {
  switch (model.kind) {
    case 'rosenbrock':
    case 'quadratic':
    case 'rastrigin':
      return { params: model.init.length, buffers: 0 };
    case 'linear':
    case 'mlp':
      if (data?.kind !== 'vectors') throw new Error(`modelSlots: model "${model.kind}" needs vector data`);
      return mlpSlots(model.kind === 'mlp' ? model.hidden : [], data);
    case 'cnn':
      if (data?.kind !== 'vectors') throw new Error('modelSlots: model "cnn" needs image data');
      return cnnSlots(model, data);
    case 'lstm':
      if (data?.kind !== 'tokens') throw new Error('modelSlots: model "lstm" needs token data');
      return lstmSlots(model, data);
    case 'transformer':
      if (data?.kind !== 'tokens') throw new Error('modelSlots: model "transformer" needs token data');
      return transformerSlots(model, data);
  }
}

/** src/models/mlp.ts: layer l maps widths[l] → widths[l+1]. */
function mlpSlots(hidden: readonly number[], d: Extract<DataShape, { kind: 'vectors' }>): ModelSlots {
  const { batch: B, inputDim: D, outputDim: K, classification } = d;
  const dense = denseSlots([D, ...hidden, K], B, classification);
  const lengths = [B * D, classification ? B : 0, classification ? 0 : B * K, ...dense.lengths]; // x, labels, targets
  return { params: dense.params, buffers: buffers(lengths) };
}

/** The linear layers of mlp.ts (linearLayers, activations) and the probabilities of a classifier. */
function denseSlots(widths: readonly number[], B: number, classification: boolean): { params: number; lengths: number[] } {
  let params = 0;
  const lengths: number[] = [];
  for (let l = 0; l + 1 < widths.length; l++) {
    const out = widths[l + 1]!;
    params += out * widths[l]! + out; // weight, bias
    const n = B * out;
    const hiddenLayer = l + 2 < widths.length;
    lengths.push(n, n, hiddenLayer ? n : 0, hiddenLayer ? n : 0); // pre, dpre, post, dpost
  }
  lengths.push(classification ? B * widths[widths.length - 1]! : 0); // probs
  return { params, lengths };
}

/** src/models/cnn.ts: conv blocks (src/nn/conv2d.ts, maxpool2d.ts), then mlp.ts's dense layers. */
function cnnSlots(spec: Extract<ModelSpec, { kind: 'cnn' }>, d: Extract<DataShape, { kind: 'vectors' }>): ModelSlots {
  const { batch: B, outputDim: K } = d;
  const planes = cnnPlanes(spec);
  let params = 0;
  const lengths = [B * d.inputDim, B, 0]; // x, labels, targets
  spec.conv.forEach((layer, i) => {
    const { C, H, W } = planes[i]!;
    const g = conv2dGeometry(C, H, W, layer.channels, layer.kernel, layer.stride, layer.padding);
    params += g.Cout * C * g.k * g.k + g.Cout; // weight, bias
    const out = B * g.Cout * g.Ho * g.Wo;
    const cols = C * g.k * g.k * g.Ho * g.Wo;
    lengths.push(out, out, cols, cols, out, out); // conv out, dout, cols, dcols; ReLU act, dact
    const next = planes[i + 1]!;
    const pooled = B * next.C * next.H * next.W;
    if (next.pooled) lengths.push(pooled, pooled, pooled); // pool out, dout, argmax
  });
  const last = planes[planes.length - 1]!;
  const dense = denseSlots([last.C * last.H * last.W, ...spec.dense, K], B, true);
  return { params: params + dense.params, buffers: buffers([...lengths, ...dense.lengths]) };
}

/** src/models/lstm.ts and src/nn/lstm.ts. */
function lstmSlots(spec: Extract<ModelSpec, { kind: 'lstm' }>, d: Extract<DataShape, { kind: 'tokens' }>): ModelSlots {
  const { batch: B, seqLen: T, vocab: V } = d;
  const { embed: E, hidden: H, layers: L } = spec;
  const N = B * T;
  let params = V * E; // embedding
  const lengths = [N, N, N, N, N * E, N * E]; // inputs, targets, their time-major copies, emb, demb
  for (let l = 0; l < L; l++) {
    const In = l === 0 ? E : H;
    params += 4 * H * In + 4 * H * H + 4 * H; // w_ih, w_hh, b
    // gates, c, tanhC, h, dh, dgates, dcNext, gateStrips, panel
    lengths.push(N * 4 * H, N * H, N * H, N * H, N * H, N * 4 * H, B * H, N * 4 * H, lstmPanelFloats(T, B, In, H));
  }
  const tableRows = Math.ceil(V / 4) * 4;
  lengths.push(tableRows * 4 * H, tableRows * E); // the first layer's projected and padded table
  params += V * H + V; // head
  lengths.push(N * V, N * V, N * V); // logits, probs, dlogits
  return { params, buffers: buffers(lengths) };
}

/** src/models/transformer.ts and src/nn/attention.ts. */
function transformerSlots(spec: Extract<ModelSpec, { kind: 'transformer' }>, d: Extract<DataShape, { kind: 'tokens' }>): ModelSlots {
  const { batch: B, seqLen: T, vocab: V } = d;
  const { d_model: C, d_ff: F, heads: NH, layers: L, context } = spec;
  const N = B * T;
  const pre = spec.norm === 'pre';
  // per block: ln_1, attn.qkv, attn.proj, ln_2, mlp.fc, mlp.proj
  const blockParams = 2 * C + (3 * C * C + 3 * C) + (C * C + C) + 2 * C + (F * C + F) + (C * F + C);
  const params = V * C + context * C + L * blockParams + (pre ? 2 * C : 0) + V * C + V; // wte, wpe, blocks, ln_f, head
  const nc = N * C;
  const nf = N * F;
  const nAtt = B * NH * T * T;
  const block = [
    nc, N, N, 3 * nc, // ln1Out, ln1Mean, ln1Rstd, qkv
    nAtt, nAtt, (C / NH) * T, // attention: att, datt, scratch
    nc, nc, nc, nc, N, N, nf, nf, // attOut, proj, res1, ln2Out, ln2Mean, ln2Rstd, fc, fcAct
    spec.activation === 'gelu' ? nf : 0, nc, nc, // fcSaved (GELU's exp(−2u) for its backward), fcProj, res2
    nc, 3 * nc, nc, nc, nc, nc, nf, nf, nc, nc, // dln1Out, dqkv, dattOut, dproj, dres1, dln2Out, dfc, dfcAct, dfcProj, dres2
  ];
  const top = [N, N, N, nc, nc, pre ? nc : 0, pre ? N : 0, pre ? N : 0, pre ? nc : 0, N * V, N * V, N * V];
  // inputs, targets, positions, x0, dx0, lnfOut, lnfMean, lnfRstd, dlnfOut, logits, probs, dlogits
  return { params, buffers: L * buffers(block) + buffers(top) };
}

/** Optimizer state slots for P parameters (src/optim/optimizer.ts). */
function optimizerSlots(spec: OptimizerSpec, params: number): number {
  const n = align4(params);
  switch (spec.kind) {
    case 'sgd':
      return spec.momentum !== 0 ? n : 0; // momentum buffer
    case 'adam':
    case 'adamw':
      return (spec.amsgrad ? 3 : 2) * n; // m, v (and max v)
    case 'radam':
      return 2 * n; // m, v
  }
}

/** Bytes of a run's arena, laid out [params | grads | model buffers and optimizer state], 4 bytes a slot. */
export function arenaBytes(slots: ModelSlots, optimizer: OptimizerSpec): number {
  return 4 * (2 * align4(slots.params) + slots.buffers + optimizerSlots(optimizer, slots.params));
}

/** A text corpus as far as sizes go: its vocabulary and its length in characters. */
interface CorpusSize {
  vocab: number;
  characters: number;
}

/** The batch shapes of a dataset; a text file's vocabulary comes from `corpus` (which reads it). */
export function dataShape(spec: DataSpec, corpus: (path: string) => CorpusSize): DataShape {
  switch (spec.kind) {
    case 'blobs':
      return { kind: 'vectors', batch: spec.batch, inputDim: spec.dim, outputDim: spec.classes, classification: true };
    case 'spirals':
      return { kind: 'vectors', batch: spec.batch, inputDim: 2, outputDim: spec.classes, classification: true }; // points in the plane
    case 'teacher':
      return { kind: 'vectors', batch: spec.batch, inputDim: spec.in, outputDim: spec.out, classification: spec.task === 'classification' };
    case 'markov-text':
      return { kind: 'tokens', batch: spec.batch, seqLen: spec.seq_len, vocab: spec.vocab };
    case 'text-file':
      return { kind: 'tokens', batch: spec.batch, seqLen: spec.seq_len, vocab: corpus(spec.path).vocab };
    case 'fashion-mnist':
    case 'mnist':
      return { kind: 'vectors', batch: spec.batch, inputDim: 28 * 28, outputDim: 10, classification: true };
  }
}

/** What a sizeChecker checks: a run's model, data and optimizer (a RunSpec is one). */
export interface SizedRun {
  model: ModelSpec;
  data?: DataSpec | undefined;
  optimizer: OptimizerSpec;
}

/**
 * A checker of runs too large to build, by arithmetic: it returns the problems of a list of runs (an
 * arena over MAX_ARENA_BYTES, named by the config field most to blame; a transformer context shorter
 * than the data's windows). Runs that share one model and data object (the optimizers of one
 * experiment or sweep point) give one problem, for the largest of them. Each text corpus is read
 * once per checker, however many lists it checks (a corpus's own problems are thrown).
 */
export function sizeChecker(): (runs: readonly SizedRun[]) => string[] {
  const corpora = new Map<string, CorpusSize>();
  const corpus = (path: string): CorpusSize => {
    let size = corpora.get(path);
    if (size === undefined) {
      const { chars, tokens } = loadCorpus(path);
      size = { vocab: chars.length, characters: tokens.length };
      corpora.set(path, size);
    }
    return size;
  };
  return (runs) => sizeProblems(runs, corpus);
}

function sizeProblems(runs: readonly SizedRun[], corpus: (path: string) => CorpusSize): string[] {
  const groups = new Map<ModelSpec, Map<DataSpec | undefined, OptimizerSpec[]>>();
  for (const run of runs) {
    const byData = groups.get(run.model) ?? new Map<DataSpec | undefined, OptimizerSpec[]>();
    groups.set(run.model, byData);
    const optimizers = byData.get(run.data) ?? [];
    byData.set(run.data, optimizers);
    optimizers.push(run.optimizer);
  }
  const problems = new Set<string>();
  for (const [model, byData] of groups) {
    for (const [data, optimizers] of byData) {
      if (data?.kind === 'text-file') requireWindows(corpus(data.path).characters, data.seq_len, data.path);
      if (data?.kind === 'fashion-mnist' || data?.kind === 'mnist') locateIdx(data.kind, data.path); // the files are there (by name)
      const shape = data === undefined ? undefined : dataShape(data, corpus);
      if (model.kind === 'transformer' && shape?.kind === 'tokens') {
        const problem = contextProblem(model, shape.seqLen);
        if (problem !== undefined) problems.add(problem);
      }
      const slots = modelSlots(model, shape);
      const largest = optimizers.reduce((a, b) => (arenaBytes(slots, b) > arenaBytes(slots, a) ? b : a));
      const bytes = arenaBytes(slots, largest);
      if (bytes <= MAX_ARENA_BYTES) continue;
      problems.add(
        `${blame(model, data, shape, largest, corpus)}: expected a model of at most ${formatBytes(MAX_ARENA_BYTES)} per run ` +
          `(parameters, gradients, optimizer state, activations), got about ${formatBytes(bytes)} (${formatCount(slots.params)} parameters)`,
      );
    }
  }
  return [...problems];
}

/**
 * The config field most to blame for a run's size: the one whose reset to its schema default shrinks
 * the arena most (a text file's vocabulary counts as `data.path`, reset to markov-text's default).
 */
function blame(model: ModelSpec, data: DataSpec | undefined, shape: DataShape | undefined, optimizer: OptimizerSpec, corpus: (path: string) => CorpusSize): string {
  if (model.kind === 'rosenbrock' || model.kind === 'quadratic' || model.kind === 'rastrigin') return 'model.init';
  const bytesOf = (m: ModelSpec, s: DataShape | undefined): number => arenaBytes(modelSlots(m, s), optimizer);
  let best = { field: 'model', bytes: bytesOf(model, shape) };
  const consider = (field: string, bytes: number): void => {
    if (bytes < best.bytes) best = { field, bytes };
  };
  const modelDefaults = ModelSpec.parse({ kind: model.kind }) as Record<string, unknown>;
  for (const [key, value] of Object.entries(model)) {
    if (key !== 'kind' && isSize(value)) consider(`model.${key}`, bytesOf({ ...model, [key]: modelDefaults[key] } as ModelSpec, shape));
  }
  if (data !== undefined) {
    const dataDefaults = DataSpec.parse(data.kind === 'text-file' ? { kind: data.kind, path: data.path } : { kind: data.kind }) as Record<string, unknown>;
    for (const [key, value] of Object.entries(data)) {
      if (key !== 'kind' && isSize(value)) consider(`data.${key}`, bytesOf(model, dataShape({ ...data, [key]: dataDefaults[key] } as DataSpec, corpus)));
    }
    if (data.kind === 'text-file' && shape?.kind === 'tokens') {
      consider('data.path', bytesOf(model, { ...shape, vocab: MarkovText.parse({ kind: 'markov-text' }).vocab }));
    }
  }
  return best.field;
}

function isSize(value: unknown): boolean {
  return typeof value === 'number' || (Array.isArray(value) && value.every((v) => typeof v === 'number'));
}
